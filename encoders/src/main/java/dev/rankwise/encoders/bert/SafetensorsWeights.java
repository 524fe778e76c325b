package dev.rankwise.encoders.bert;

import dev.rankwise.encoders.bert.Weights.Tensor;
import dev.rankwise.runtime.io.AdapterFileException;
import dev.rankwise.runtime.io.SafetensorsHeader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the weights of a model's {@code model.safetensors}: F32, F16 and BF16 tensors as float32
 * (the model computes in float32), integer and boolean tensors (buffers such as {@code
 * embeddings.position_ids}) skipped, any other float dtype refused. The header is read and checked
 * by the runtime's {@link SafetensorsHeader}, the one reader of the format's header (docs/DESIGN.md
 * §5), as strictly as an adapter's; then each weight is read from the file once, tensor by tensor,
 * so a large model is never held twice. Every message names the file and the tensor.
 */
final class SafetensorsWeights {

  private static final Logger LOG = LoggerFactory.getLogger(SafetensorsWeights.class);

  /** Buffers, not weights: skipped. */
  private static final Set<String> INTEGER_DTYPES =
      Set.of("BOOL", "U8", "I8", "I16", "U16", "I32", "U32", "I64", "U64");

  private SafetensorsWeights() {}

  /**
   * Reads every weight of the file.
   *
   * @throws IOException if the file is not a well-formed safetensors file, or holds float tensors
   *     of a precision other than F32, F16 and BF16; the message starts with the file
   */
  static Weights read(Path file) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      SafetensorsHeader header = SafetensorsHeader.read(file, channel);
      Map<String, Tensor> tensors = new LinkedHashMap<>();
      for (SafetensorsHeader.Entry entry : header.entries()) {
        switch (entry.dtype()) {
          case "F32", "F16", "BF16" -> tensors.put(entry.name(),
              new Tensor(entry.shape(), decode(entry.dtype(), header.readDirect(channel, entry))));
          default -> {
            if (!INTEGER_DTYPES.contains(entry.dtype())) {
              throw new IOException(file + ": " + entry.describe() + " is " + entry.dtype()
                  + "; rankwise reads F32, F16 and BF16 weights");
            }
            LOG.debug("{}: skipping {}, a {} buffer, not a weight", file, entry.describe(), entry.dtype());
          }
        }
      }
      return new Weights(file.toString(), tensors);
    } catch (AdapterFileException e) {
      // A model's file, not an adapter's: a plain IOException, as every other fault of a model folder.
      throw new IOException(e.getMessage(), e);
    }
  }

  /** The values in native memory: F32 the bytes read, F16 and BF16 widened exactly. */
  private static ByteBuffer decode(String dtype, ByteBuffer bytes) {
    if (dtype.equals("F32")) {
      return bytes;
    }
    ShortBuffer halves = bytes.order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
    ByteBuffer values = Weights.nativeBytes(halves.remaining());
    for (int i = 0; i < halves.remaining(); i++) {
      values.putFloat(i * Float.BYTES, switch (dtype) {
        case "F16" -> halfToFloat(halves.get(i));
        case "BF16" -> bfloat16ToFloat(halves.get(i));
        default -> throw new IllegalArgumentException("not a weight dtype: " + dtype);
      });
    }
    return values;
  }


  /**
   * IEEE 754 binary16 to float32, exactly (Java 17 has no {@code Float.float16ToFloat}): sign, 5
   * exponent bits of bias 15, 10 mantissa bits; subnormals, infinities and NaNs included.
   */
  static float halfToFloat(short half) {
    int bits = half & 0xffff;
    int sign = (bits & 0x8000) << 16;
    int exponent = (bits >>> 10) & 0x1f;
    int mantissa = bits & 0x3ff;
    if (exponent == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
    }
    if (exponent == 0) {
      float magnitude = mantissa * 0x1p-24f; // subnormal (or zero): mantissa · 2^-24, exact
      return sign == 0 ? magnitude : -magnitude;
    }
    return Float.intBitsToFloat(sign | ((exponent + 127 - 15) << 23) | (mantissa << 13));
  }

  /** bfloat16 to float32, exactly: bfloat16 is float32's upper half. */
  static float bfloat16ToFloat(short bfloat) {
    return Float.intBitsToFloat((bfloat & 0xffff) << 16);
  }
}
