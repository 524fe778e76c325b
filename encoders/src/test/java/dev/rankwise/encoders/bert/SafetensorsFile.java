package dev.rankwise.encoders.bert;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes safetensors files as Hugging Face's {@code save_file} does (the tests' stand-in for a
 * model saved by transformers): tensors in insertion order, a space-padded header.
 */
final class SafetensorsFile {

  private record Entry(String dtype, long[] shape, byte[] data) {}

  private final Map<String, Entry> tensors = new LinkedHashMap<>();

  SafetensorsFile f32(String name, long[] shape, float[] values) {
    ByteBuffer data = buffer(values.length * 4);
    data.asFloatBuffer().put(values);
    return raw(name, "F32", shape, data.array());
  }

  /** As F16; every value must be exactly representable, or the test is not the test it claims. */
  SafetensorsFile f16(String name, long[] shape, float[] values) {
    ByteBuffer data = buffer(values.length * 2);
    for (float value : values) {
      short half = toHalf(value);
      if (Float.compare(SafetensorsWeights.halfToFloat(half), value) != 0) {
        throw new AssertionError(name + " holds " + value + ", which float16 cannot hold exactly");
      }
      data.putShort(half);
    }
    return raw(name, "F16", shape, data.array());
  }

  /** As BF16, each value rounded to the nearest bfloat16 (ties to even). */
  SafetensorsFile bf16(String name, long[] shape, float[] values) {
    ByteBuffer data = buffer(values.length * 2);
    for (float value : values) {
      data.putShort(toBfloat16(value));
    }
    return raw(name, "BF16", shape, data.array());
  }

  SafetensorsFile i64(String name, long[] shape, long[] values) {
    ByteBuffer data = buffer(values.length * 8);
    data.asLongBuffer().put(values);
    return raw(name, "I64", shape, data.array());
  }

  SafetensorsFile raw(String name, String dtype, long[] shape, byte[] data) {
    tensors.put(name, new Entry(dtype, shape.clone(), data));
    return this;
  }

  SafetensorsFile remove(String name) {
    if (tensors.remove(name) == null) {
      throw new AssertionError("no tensor " + name + " to remove");
    }
    return this;
  }

  boolean has(String name) {
    return tensors.containsKey(name);
  }

  void write(Path file) throws IOException {
    JsonObject header = new JsonObject();
    JsonObject metadata = new JsonObject();
    metadata.addProperty("format", "pt");
    header.add("__metadata__", metadata);
    long offset = 0;
    for (Map.Entry<String, Entry> tensor : tensors.entrySet()) {
      JsonObject info = new JsonObject();
      info.addProperty("dtype", tensor.getValue().dtype());
      JsonArray shape = new JsonArray();
      for (long dimension : tensor.getValue().shape()) {
        shape.add(dimension);
      }
      info.add("shape", shape);
      JsonArray offsets = new JsonArray();
      offsets.add(offset);
      offset += tensor.getValue().data().length;
      offsets.add(offset);
      info.add("data_offsets", offsets);
      header.add(tensor.getKey(), info);
    }
    try (OutputStream out = Files.newOutputStream(file)) {
      writeHeader(out, header.toString());
      for (Entry entry : tensors.values()) {
        out.write(entry.data());
      }
    }
  }

  /** Writes a file of the given header text and data bytes, for malformed files. */
  static void writeRaw(Path file, String header, byte[] data) throws IOException {
    try (OutputStream out = Files.newOutputStream(file)) {
      writeHeader(out, header);
      out.write(data);
    }
  }

  private static void writeHeader(OutputStream out, String header) throws IOException {
    byte[] json = header.getBytes(StandardCharsets.UTF_8);
    int padded = (json.length + 7) / 8 * 8;
    ByteBuffer length = buffer(8).putLong(padded);
    out.write(length.array());
    out.write(json);
    for (int i = json.length; i < padded; i++) {
      out.write(' ');
    }
  }

  private static ByteBuffer buffer(int bytes) {
    return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** float32 to binary16, rounding to nearest even; overflow gives infinity. */
  static short toHalf(float value) {
    int bits = Float.floatToRawIntBits(value);
    int sign = (bits >>> 16) & 0x8000;
    float magnitude = Math.abs(value);
    if (Float.isNaN(value)) {
      return (short) (sign | 0x7e00);
    }
    if (magnitude >= 65520f) {
      return (short) (sign | 0x7c00);
    }
    if (magnitude < 0x1p-14f) {
      return (short) (sign | (int) Math.rint(magnitude * 0x1p24f)); // subnormal; 1024 carries into the exponent
    }
    int exponent = Math.getExponent(magnitude);
    int mantissa = Float.floatToRawIntBits(magnitude) & 0x7fffff;
    int half = mantissa >> 13;
    int rest = mantissa & 0x1fff;
    if (rest > 0x1000 || (rest == 0x1000 && (half & 1) == 1)) {
      half++;
    }
    return (short) (sign | (((exponent + 15) << 10) + half));
  }

  /** float32 to bfloat16, rounding to nearest even. */
  static short toBfloat16(float value) {
    int bits = Float.floatToRawIntBits(value);
    if (Float.isNaN(value)) {
      return (short) ((bits >>> 16) | 0x40);
    }
    return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
  }

  /** The value a float becomes when stored as bfloat16. */
  static float roundToBfloat16(float value) {
    return SafetensorsWeights.bfloat16ToFloat(toBfloat16(value));
  }
}
