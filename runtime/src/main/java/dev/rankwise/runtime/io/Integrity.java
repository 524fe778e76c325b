package dev.rankwise.runtime.io;

import ai.djl.ndarray.NDArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.rankwise.runtime.AdapterLayer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * What ties saved adapters to their bytes and to their base model: the SHA-256 of {@code
 * adapter_model.safetensors}, and a fingerprint of the frozen base weights of the adapted layers
 * (their paths, shapes and values, as before any merge), both recorded in the config's {@code
 * rankwise} section and checked on load. A rankwise config must hold both; a PEFT config (no {@code
 * rankwise} section) carries neither and loads unchecked (docs/DESIGN.md §5).
 */
final class Integrity {

  /** Config key of the weights file's SHA-256 (hex). */
  static final String WEIGHTS_SHA256 = "weights_sha256";

  /** Config key of the base model's fingerprint (hex SHA-256). */
  static final String BASE_FINGERPRINT = "base_fingerprint";

  private Integrity() {}

  /** The hex SHA-256 of the bytes. */
  static String sha256(byte[] bytes) {
    return HexFormat.of().formatHex(digest().digest(bytes));
  }

  /** The hex SHA-256 over each adapted layer's path, base-weight shape and base-weight values. */
  static String baseFingerprint(Map<String, AdapterLayer> layers) {
    MessageDigest digest = digest();
    for (Map.Entry<String, AdapterLayer> layer : layers.entrySet()) {
      NDArray weight = layer.getValue().frozenWeight();
      update(digest, layer.getKey(), weight.getShape().getShape(), weight.toFloatArray());
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  /** Adds a named float array to a digest: its name (UTF-8), then its shape and values, little-endian. */
  static void update(MessageDigest digest, String name, long[] shape, float[] values) {
    digest.update(name.getBytes(StandardCharsets.UTF_8));
    ByteBuffer bytes = ByteBuffer.allocate(8 * shape.length + 4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (long dimension : shape) {
      bytes.putLong(dimension);
    }
    bytes.asFloatBuffer().put(values);
    digest.update(bytes.array());
  }

  /** What a rankwise config records of its weights file and its base: both hex SHA-256s. */
  record Recorded(String weightsSha256, String baseFingerprint) {}

  /**
   * The checksum and fingerprint a rankwise section records. Both are required (docs/DESIGN.md §5):
   * a config without them would load any weights onto any base without a word.
   *
   * @throws AdapterFileException naming the key that is missing or not a hex SHA-256
   */
  static Recorded recorded(Path configFile, JsonObject rankwise) throws AdapterFileException {
    return new Recorded(
        hex(configFile, rankwise, WEIGHTS_SHA256, "the SHA-256 of " + AdapterFiles.WEIGHTS_FILE),
        hex(configFile, rankwise, BASE_FINGERPRINT, "a fingerprint of the base model's adapted layers"));
  }

  /**
   * Checks the recorded checksum against the bytes of the weights file (the bytes that were
   * parsed) and the recorded fingerprint against the attached model.
   *
   * @throws AdapterFileException naming what does not match and what to do
   */
  static void check(Path directory, Path configFile, Recorded recorded, Path weightsFile, byte[] weights,
      Map<String, AdapterLayer> layers) throws AdapterFileException {
    String actual = sha256(weights);
    if (!recorded.weightsSha256().equals(actual)) {
      throw new AdapterFileException(weightsFile, "checksum mismatch: the config records SHA-256 "
          + recorded.weightsSha256() + " but the file's is " + actual
          + "; it was changed or damaged after it was saved in " + directory);
    }
    String fingerprint = baseFingerprint(layers);
    if (!recorded.baseFingerprint().equals(fingerprint)) {
      throw new AdapterFileException(configFile, "these adapters were trained on another base model: the"
          + " frozen weights of the adapted layers have fingerprint " + fingerprint + ", the file records "
          + recorded.baseFingerprint() + "; attach them to the model they were trained on");
    }
  }

  private static String hex(Path configFile, JsonObject rankwise, String key, String what)
      throws AdapterFileException {
    JsonElement value = AdapterFiles.required(configFile, rankwise, key, what);
    if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isString()
        || !value.getAsString().matches("[0-9a-f]{64}")) {
      throw new AdapterFileException(configFile, "malformed adapter config: rankwise '" + key + "' is " + value
          + ", not a SHA-256 in 64 lowercase hex digits");
    }
    return value.getAsString();
  }

  static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}
