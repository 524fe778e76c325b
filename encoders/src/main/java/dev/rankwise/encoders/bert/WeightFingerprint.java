package dev.rankwise.encoders.bert;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import dev.rankwise.encoders.bert.Weights.Tensor;
import dev.rankwise.runtime.model.BlockPaths;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * The SHA-256 of the weights a {@link BertModel} uses, in the model's terms: each parameter's
 * Hugging Face path, its shape and its float32 values (little-endian), in block-path order. It
 * names the weights, not the file: the same model read from its ONNX export or from a float32
 * {@code model.safetensors} has one fingerprint, while a fine-tuned copy, or the same model in
 * float16, has another. Adapters record it and are refused by an encoder whose weights differ.
 */
final class WeightFingerprint {

  private static final int CHUNK = 1 << 16;

  private WeightFingerprint() {}

  /** The fingerprint of {@code weights} as {@code model} binds them: 64 hex digits. */
  static String of(BertModel model, Weights weights) throws IOException {
    Map<Parameter, Tensor> bound = WeightBinding.bind(model, weights);
    MessageDigest digest = sha256();
    ByteBuffer buffer = ByteBuffer.allocate(CHUNK * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    for (Map.Entry<String, Block> block : BlockPaths.of(model).entrySet()) {
      for (Pair<String, Parameter> parameter : block.getValue().getDirectParameters()) {
        Tensor tensor = bound.get(parameter.getValue());
        digest.update((block.getKey() + "." + parameter.getKey()).getBytes(StandardCharsets.UTF_8));
        for (long size : tensor.shape()) {
          digest.update(ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(size).array());
        }
        FloatBuffer values = tensor.buffer();
        for (int from = 0; from < tensor.size(); from += CHUNK) {
          int count = Math.min(CHUNK, tensor.size() - from);
          buffer.clear();
          buffer.asFloatBuffer().put(values.slice(from, count));
          digest.update(buffer.array(), 0, count * Float.BYTES);
        }
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}
