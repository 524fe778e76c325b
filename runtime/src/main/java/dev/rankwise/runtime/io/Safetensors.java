package dev.rankwise.runtime.io;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads and writes the float32 tensors of adapter files and checkpoints in the safetensors format.
 * The header is read and checked against the file by {@link SafetensorsHeader}, the one reader of
 * the format's header (docs/DESIGN.md §5); this class adds its own rule, that every tensor is F32,
 * and takes the values from the bytes the header was parsed from.
 */
final class Safetensors {

  /** Largest file read: the largest Java array, since a file is read whole (docs/DESIGN.md §5). */
  static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 8;

  private static final String METADATA = "__metadata__";

  private Safetensors() {}

  /** A float32 tensor: its shape and row-major values. */
  record Tensor(long[] shape, float[] values) {}

  /** What a file holds: its tensors in file order and its string metadata. */
  record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {}

  /** The bytes of a safetensors file holding the tensors in the given order. */
  static byte[] encode(Map<String, Tensor> tensors) {
    return encode(tensors, Map.of());
  }

  /** The bytes of a safetensors file with the tensors in the given order and extra metadata. */
  static byte[] encode(Map<String, Tensor> tensors, Map<String, String> extraMetadata) {
    JsonObject header = new JsonObject();
    JsonObject metadata = new JsonObject();
    metadata.addProperty("format", "pt");
    extraMetadata.forEach(metadata::addProperty);
    header.add(METADATA, metadata);
    long offset = 0;
    for (Map.Entry<String, Tensor> entry : tensors.entrySet()) {
      JsonObject info = new JsonObject();
      info.addProperty("dtype", "F32");
      JsonArray shape = new JsonArray();
      for (long dimension : entry.getValue().shape()) {
        shape.add(dimension);
      }
      info.add("shape", shape);
      JsonArray offsets = new JsonArray();
      offsets.add(offset);
      offset += 4L * entry.getValue().values().length;
      offsets.add(offset);
      info.add("data_offsets", offsets);
      header.add(entry.getKey(), info);
    }
    // The format wants the data 8-byte aligned: pad the header's UTF-8 bytes (a task name such as
    // "café" has more bytes than chars) with trailing spaces.
    byte[] json = new Gson().toJson(header).getBytes(StandardCharsets.UTF_8);
    byte[] headerBytes = Arrays.copyOf(json, (json.length + 7) / 8 * 8);
    Arrays.fill(headerBytes, json.length, headerBytes.length, (byte) ' ');
    ByteBuffer buffer =
        ByteBuffer.allocate(Math.toIntExact(8 + headerBytes.length + offset))
            .order(ByteOrder.LITTLE_ENDIAN);
    buffer.putLong(headerBytes.length);
    buffer.put(headerBytes);
    for (Tensor tensor : tensors.values()) {
      for (float value : tensor.values()) {
        buffer.putFloat(value);
      }
    }
    return buffer.array();
  }

  /**
   * Reads every tensor of a file.
   *
   * @throws AdapterFileException if the file is truncated, its header is malformed, or a tensor's
   *     dtype, shape or offsets do not fit the file
   */
  static Map<String, Tensor> read(Path file) throws IOException {
    return readContents(file).tensors();
  }

  /**
   * Reads every tensor of a file and its metadata.
   *
   * @throws AdapterFileException as {@link #read}, or if the metadata is not a map of strings
   */
  static Contents readContents(Path file) throws IOException {
    long size = Files.size(file);
    if (size > MAX_FILE_BYTES) {
      throw new AdapterFileException(file, "safetensors file of " + size + " bytes is larger than the "
          + MAX_FILE_BYTES + " bytes this reader holds");
    }
    return parse(file, Files.readAllBytes(file));
  }

  /**
   * Parses the bytes of a file read once, so that a caller can hash the very bytes it parsed.
   *
   * @param file the file the bytes were read from, for messages
   * @throws AdapterFileException as {@link #readContents}, or if a tensor is not F32
   */
  static Contents parse(Path file, byte[] bytes) throws AdapterFileException {
    ByteBuffer contents = ByteBuffer.wrap(bytes);
    SafetensorsHeader header = SafetensorsHeader.parse(file, contents);
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    for (SafetensorsHeader.Entry entry : header.entries()) {
      if (!entry.dtype().equals("F32")) {
        throw new AdapterFileException(file, entry.describe() + " has dtype '" + entry.dtype()
            + "', but rankwise adapter files hold F32 tensors only");
      }
      float[] values = new float[(int) (entry.byteSize() / 4)];
      header.data(contents, entry).asFloatBuffer().get(values);
      tensors.put(entry.name(), new Tensor(entry.shape(), values));
    }
    return new Contents(tensors, header.metadata());
  }
}
