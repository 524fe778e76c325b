package dev.rankwise.encoders.bert;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.rankwise.encoders.bert.Weights.Tensor;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the weights of a model's {@code model.safetensors}: F32, F16 and BF16 tensors as float32
 * (the model computes in float32), integer and boolean tensors (buffers such as {@code
 * embeddings.position_ids}) skipped. The header is checked as the reference implementation checks
 * it: a known dtype, a shape of non-negative sizes, offsets that hold exactly the shape's bytes,
 * and tensors that tile the data with no gap, overlap or trailing bytes. Every message names the
 * file and the tensor.
 *
 * <p>Not the runtime's adapter reader: adapter files are F32 only and checked for their own rules;
 * a model checkpoint is another kind of file, read here once.
 */
final class SafetensorsWeights {

  private static final Logger LOG = LoggerFactory.getLogger(SafetensorsWeights.class);

  /** The reference implementation's limit on the header. */
  private static final long MAX_HEADER = 100L * 1024 * 1024;

  private SafetensorsWeights() {}

  /** A dtype: its size in bytes and whether it is read as weights. */
  private enum DType {
    F32(4, true), F16(2, true), BF16(2, true),
    BOOL(1, false), U8(1, false), I8(1, false), I16(2, false), U16(2, false),
    I32(4, false), U32(4, false), I64(8, false), U64(8, false),
    F64(8, false), F8_E4M3(1, false), F8_E5M2(1, false);

    final int bytes;
    final boolean weights;

    DType(int bytes, boolean weights) {
      this.bytes = bytes;
      this.weights = weights;
    }

    boolean isFloat() {
      return name().startsWith("F") || this == BF16;
    }
  }

  private record Entry(String name, DType dtype, long[] shape, long begin, long end) {}

  /**
   * Reads every weight of the file.
   *
   * @throws IOException if the file is not a well-formed safetensors file, or holds float tensors
   *     of a precision other than F32, F16 and BF16
   */
  static Weights read(Path file) throws IOException {
    String source = file.toString();
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = channel.size();
      if (size < 8) {
        throw new IOException(source + ": " + size + " bytes, too short for a safetensors header");
      }
      long headerLength = readFully(channel, 0, 8, source).order(ByteOrder.LITTLE_ENDIAN).getLong();
      if (headerLength < 2 || headerLength > MAX_HEADER || headerLength > size - 8) {
        throw new IOException(source + ": header length " + Long.toUnsignedString(headerLength)
            + " is not within the file (" + size + " bytes) and " + MAX_HEADER + " bytes");
      }
      String header = utf8(readFully(channel, 8, (int) headerLength, source), source);
      long dataStart = 8 + headerLength;
      List<Entry> entries = entries(header, size - dataStart, source);
      Map<String, Tensor> tensors = new LinkedHashMap<>();
      for (Entry entry : entries) {
        if (!entry.dtype().weights) {
          if (entry.dtype().isFloat()) {
            throw new IOException(source + ": tensor " + entry.name() + " is " + entry.dtype()
                + "; rankwise reads F32, F16 and BF16 weights");
          }
          LOG.debug("{}: skipping {}, a {} buffer, not a weight", source, entry.name(), entry.dtype());
          continue;
        }
        ByteBuffer bytes = readFully(channel, dataStart + entry.begin(),
            Math.toIntExact(entry.end() - entry.begin()), source).order(ByteOrder.LITTLE_ENDIAN);
        tensors.put(entry.name(), new Tensor(entry.shape(), decode(entry.dtype(), bytes)));
      }
      return new Weights(source, tensors);
    }
  }

  /** The header's tensors in file order, each checked, together tiling the {@code dataLength} bytes. */
  private static List<Entry> entries(String header, long dataLength, String source) throws IOException {
    JsonObject root;
    try {
      JsonElement parsed = JsonParser.parseString(header);
      if (!parsed.isJsonObject()) {
        throw new IOException(source + ": the header is not a JSON object");
      }
      root = parsed.getAsJsonObject();
    } catch (JsonParseException e) {
      throw new IOException(source + ": the header is not valid JSON (" + e.getMessage() + ")", e);
    }
    List<Entry> entries = new ArrayList<>();
    for (Map.Entry<String, JsonElement> member : root.entrySet()) {
      String name = member.getKey();
      if (name.equals("__metadata__")) {
        continue;
      }
      entries.add(entry(name, member.getValue(), source));
    }
    List<Entry> byOffset = new ArrayList<>(entries);
    byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
    long position = 0;
    for (Entry entry : byOffset) {
      if (entry.begin() != position) {
        throw new IOException(source + ": tensor " + entry.name() + " starts at byte " + entry.begin()
            + " of the data, but the tensors before it end at " + position
            + (entry.begin() < position ? " (they overlap)" : " (a gap)"));
      }
      position = entry.end();
    }
    if (position != dataLength) {
      throw new IOException(source + ": the tensors end at byte " + position + " of the data, but the file"
          + " holds " + dataLength + " bytes of data");
    }
    return entries;
  }

  private static Entry entry(String name, JsonElement value, String source) throws IOException {
    if (!value.isJsonObject()) {
      throw new IOException(source + ": tensor " + name + " is described by " + value + ", not an object");
    }
    JsonObject info = value.getAsJsonObject();
    DType dtype;
    try {
      dtype = DType.valueOf(info.get("dtype").getAsString());
    } catch (RuntimeException e) {
      throw new IOException(source + ": tensor " + name + " has dtype " + info.get("dtype")
          + ", which is not a safetensors dtype rankwise knows", e);
    }
    long[] shape = longs(info.get("shape"), name, "shape", source);
    long[] offsets = longs(info.get("data_offsets"), name, "data_offsets", source);
    if (offsets.length != 2 || offsets[1] < offsets[0]) {
      throw new IOException(source + ": tensor " + name + " has data_offsets " + info.get("data_offsets")
          + "; expected [begin, end] with begin <= end");
    }
    long elements = 1;
    try {
      for (long dimension : shape) {
        elements = Math.multiplyExact(elements, dimension);
      }
      long bytes = Math.multiplyExact(elements, (long) dtype.bytes);
      if (offsets[1] - offsets[0] != bytes) {
        throw new IOException(source + ": tensor " + name + " of shape " + info.get("shape") + " and dtype "
            + dtype + " needs " + bytes + " bytes, but its data_offsets " + info.get("data_offsets") + " hold "
            + (offsets[1] - offsets[0]));
      }
    } catch (ArithmeticException e) {
      throw new IOException(source + ": tensor " + name + " has shape " + info.get("shape")
          + ", too large", e);
    }
    if (dtype.weights && elements > Integer.MAX_VALUE - 8) {
      throw new IOException(source + ": tensor " + name + " has " + elements + " elements, more than a"
          + " Java array holds");
    }
    return new Entry(name, dtype, shape, offsets[0], offsets[1]);
  }

  private static long[] longs(JsonElement value, String name, String key, String source) throws IOException {
    if (value == null || !value.isJsonArray()) {
      throw new IOException(source + ": tensor " + name + " has no " + key + " array");
    }
    JsonArray array = value.getAsJsonArray();
    long[] longs = new long[array.size()];
    for (int i = 0; i < longs.length; i++) {
      JsonElement element = array.get(i);
      if (!element.isJsonPrimitive() || !element.getAsJsonPrimitive().isNumber()
          || element.getAsDouble() < 0 || element.getAsDouble() != Math.rint(element.getAsDouble())) {
        throw new IOException(source + ": tensor " + name + " has " + key + " " + value
            + "; expected non-negative integers");
      }
      longs[i] = element.getAsLong();
    }
    return longs;
  }

  private static float[] decode(DType dtype, ByteBuffer bytes) {
    float[] values = new float[bytes.remaining() / dtype.bytes];
    switch (dtype) {
      case F32 -> bytes.asFloatBuffer().get(values);
      case F16 -> {
        ShortBuffer halves = bytes.asShortBuffer();
        for (int i = 0; i < values.length; i++) {
          values[i] = halfToFloat(halves.get(i));
        }
      }
      case BF16 -> {
        ShortBuffer halves = bytes.asShortBuffer();
        for (int i = 0; i < values.length; i++) {
          values[i] = bfloat16ToFloat(halves.get(i));
        }
      }
      default -> throw new IllegalArgumentException("not a weight dtype: " + dtype);
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

  private static ByteBuffer readFully(FileChannel channel, long position, int length, String source)
      throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(length);
    while (buffer.hasRemaining()) {
      if (channel.read(buffer, position + buffer.position()) < 0) {
        throw new EOFException(source + ": ends before byte " + (position + length));
      }
    }
    return buffer.flip();
  }

  private static String utf8(ByteBuffer bytes, String source) throws IOException {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(bytes).toString();
    } catch (CharacterCodingException e) {
      throw new IOException(source + ": the header is not UTF-8", e);
    }
  }
}
