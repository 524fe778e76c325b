package dev.rankwise.runtime.io;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes float32 tensors in the safetensors format (an 8-byte little-endian header
 * length, a JSON header, then the raw little-endian data), checking every size and offset of a
 * file against the file itself before it allocates anything.
 */
final class Safetensors {

  /** Largest header accepted; PEFT adapters have headers of a few kilobytes. */
  static final long MAX_HEADER_BYTES = 16L << 20;

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
   * @throws AdapterFileException as {@link #readContents}
   */
  static Contents parse(Path file, byte[] bytes) throws AdapterFileException {
    long size = bytes.length;
    if (size < 8) {
      throw new AdapterFileException(
          file, "truncated safetensors file: " + size + " bytes, less than its 8-byte header length");
    }
    ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    long headerLength = buffer.getLong(0);
    if (headerLength <= 0 || headerLength > MAX_HEADER_BYTES || headerLength > size - 8) {
      throw new AdapterFileException(
          file, "safetensors header length " + headerLength + " does not fit a file of "
              + size + " bytes (corrupt or truncated file)");
    }
    JsonObject header =
        parseHeader(file, new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8));
    int dataStart = 8 + (int) headerLength;
    long dataLength = size - dataStart;
    List<long[]> ranges = new ArrayList<>();
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    Map<String, String> metadata = new LinkedHashMap<>();
    for (Map.Entry<String, JsonElement> entry : header.entrySet()) {
      if (entry.getKey().equals(METADATA)) {
        metadata = metadata(file, entry.getValue());
        continue;
      }
      TensorInfo info = TensorInfo.parse(file, entry.getKey(), entry.getValue(), dataLength);
      for (long[] range : ranges) {
        if (info.begin < range[1] && range[0] < info.end) {
          throw new AdapterFileException(
              file, "tensor '" + entry.getKey() + "' overlaps another tensor's data");
        }
      }
      ranges.add(new long[] {info.begin, info.end});
      float[] values = new float[(int) (info.end - info.begin) / 4];
      buffer.slice(dataStart + (int) info.begin, (int) (info.end - info.begin))
          .order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
      tensors.put(entry.getKey(), new Tensor(info.shape, values));
    }
    return new Contents(tensors, metadata);
  }

  private static Map<String, String> metadata(Path file, JsonElement element) throws AdapterFileException {
    if (!element.isJsonObject()) {
      throw new AdapterFileException(file, "safetensors metadata is not a JSON object");
    }
    Map<String, String> metadata = new LinkedHashMap<>();
    for (Map.Entry<String, JsonElement> entry : element.getAsJsonObject().entrySet()) {
      JsonElement value = entry.getValue();
      if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isString()) {
        throw new AdapterFileException(
            file, "safetensors metadata '" + entry.getKey() + "' is not a string");
      }
      metadata.put(entry.getKey(), value.getAsString());
    }
    return metadata;
  }

  private static JsonObject parseHeader(Path file, String json) throws AdapterFileException {
    try {
      JsonElement parsed = JsonParser.parseString(json);
      if (!parsed.isJsonObject()) {
        throw new AdapterFileException(file, "safetensors header is not a JSON object");
      }
      return parsed.getAsJsonObject();
    } catch (JsonParseException | IllegalStateException e) {
      throw new AdapterFileException(file, "malformed safetensors header: " + e.getMessage());
    }
  }

  /** One header entry, checked against the data section. */
  private record TensorInfo(long[] shape, long begin, long end) {

    static TensorInfo parse(Path file, String name, JsonElement element, long dataLength)
        throws AdapterFileException {
      try {
        JsonObject info = element.getAsJsonObject();
        String dtype = info.get("dtype").getAsString();
        if (!dtype.equals("F32")) {
          throw new AdapterFileException(
              file, "tensor '" + name + "' has dtype " + dtype + "; rankwise adapters are F32");
        }
        JsonArray shapeJson = info.getAsJsonArray("shape");
        long[] shape = new long[shapeJson.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
          shape[i] = shapeJson.get(i).getAsLong();
          if (shape[i] < 0 || shape[i] > dataLength) {
            throw new AdapterFileException(
                file, "tensor '" + name + "' has an impossible dimension " + shape[i]);
          }
          elements = Math.multiplyExact(elements, shape[i]);
        }
        JsonArray offsets = info.getAsJsonArray("data_offsets");
        long begin = offsets.get(0).getAsLong();
        long end = offsets.get(1).getAsLong();
        if (offsets.size() != 2 || begin < 0 || end < begin || end > dataLength) {
          throw new AdapterFileException(
              file, "tensor '" + name + "' has data offsets [" + begin + ", " + end
                  + "] outside the " + dataLength + "-byte data section");
        }
        if (end - begin != 4 * elements || end - begin > Integer.MAX_VALUE) {
          throw new AdapterFileException(
              file, "tensor '" + name + "' declares " + elements + " F32 values but "
                  + (end - begin) + " bytes of data");
        }
        return new TensorInfo(shape, begin, end);
      } catch (RuntimeException e) {
        throw new AdapterFileException(
            file, "malformed header entry for tensor '" + name + "': " + e.getMessage());
      }
    }
  }
}
