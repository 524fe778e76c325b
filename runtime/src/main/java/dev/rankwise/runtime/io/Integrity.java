package dev.rankwise.runtime.io;

import ai.djl.ndarray.NDArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.rankwise.runtime.AdapterLayer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * What ties saved adapters to their bytes and to their base model: the SHA-256 of {@code
 * adapter_model.safetensors}, and a fingerprint of the frozen base weights of the adapted layers
 * (their paths, shapes and values, as before any merge), both recorded in the config's {@code
 * rankwise} section and checked on load. Files without them (PEFT's) load unchecked.
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

  /**
   * Checks the recorded checksum against the weights file and the recorded fingerprint against the
   * attached model.
   *
   * @throws AdapterFileException naming what does not match and what to do
   */
  static void check(Path directory, Path configFile, JsonObject config, Path weightsFile,
      Map<String, AdapterLayer> layers) throws IOException {
    JsonElement section = config.get("rankwise");
    if (section == null || !section.isJsonObject()) {
      return;
    }
    JsonObject rankwise = section.getAsJsonObject();
    String expected = text(rankwise, WEIGHTS_SHA256, configFile);
    if (expected != null) {
      String actual = sha256(Files.readAllBytes(weightsFile));
      if (!expected.equals(actual)) {
        throw new AdapterFileException(weightsFile, "checksum mismatch: the config records SHA-256 " + expected
            + " but the file's is " + actual + "; it was changed or damaged after it was saved in " + directory);
      }
    }
    String fingerprint = text(rankwise, BASE_FINGERPRINT, configFile);
    if (fingerprint != null) {
      String actual = baseFingerprint(layers);
      if (!fingerprint.equals(actual)) {
        throw new AdapterFileException(configFile, "these adapters were trained on another base model: the"
            + " frozen weights of the adapted layers have fingerprint " + actual + ", the file records "
            + fingerprint + "; attach them to the model they were trained on");
      }
    }
  }

  private static String text(JsonObject section, String key, Path configFile) throws AdapterFileException {
    JsonElement value = section.get(key);
    if (value == null || value.isJsonNull()) {
      return null;
    }
    if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isString()) {
      throw new AdapterFileException(configFile, "malformed adapter config: rankwise." + key + " must be a string");
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
