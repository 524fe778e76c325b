package dev.rankwise.runtime.io;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads and writes float32 tensors in the safetensors format (an 8-byte little-endian header
 * length, a JSON header, then the raw little-endian data), checking every size and offset of a
 * file against the file itself before it allocates anything.
 *
 * <p>The header is read as the format's reference implementation (huggingface/safetensors) reads
 * it, docs/DESIGN.md §5: valid UTF-8, strict JSON (no comments, single quotes, unquoted names or
 * trailing text) starting at its first byte, no key twice, {@code __metadata__} a map of strings,
 * each tensor an object with a known {@code dtype} (only F32 is read here), a {@code shape} and two
 * {@code data_offsets} written as non-negative JSON integers below 2^63, a byte size that does not
 * overflow and equals its offsets' span, and tensors that tile the data section exactly: no gap,
 * no overlap, no byte after the last. Every rejection names the tensor.
 */
final class Safetensors {

  /** Largest header accepted; PEFT adapters have headers of a few kilobytes. */
  static final long MAX_HEADER_BYTES = 16L << 20;

  /** Largest file read: the largest Java array, since a file is read whole (docs/DESIGN.md §5). */
  static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 8;

  private static final String METADATA = "__metadata__";

  /** The dtypes of the format; a file of any other is not a safetensors file. */
  private static final Set<String> DTYPES = Set.of("BOOL", "F4", "F6_E2M3", "F6_E3M2", "U8", "I8", "F8_E5M2",
      "F8_E4M3", "F8_E8M0", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64", "I64", "U64", "C64");

  /** The longest tensor name a message quotes in full. */
  private static final int QUOTED_NAME = 200;

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
          file, "safetensors header length " + Long.toUnsignedString(headerLength) + " does not fit a file of "
              + size + " bytes (corrupt or truncated file)");
    }
    int dataStart = 8 + (int) headerLength;
    long dataLength = size - dataStart;
    Header header = new HeaderReader(file, utf8(file, bytes, (int) headerLength), dataLength).read();
    checkTiling(file, header.entries(), dataLength);
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    for (Entry entry : header.entries()) {
      float[] values = new float[(int) ((entry.end() - entry.begin()) / 4)];
      buffer.slice(dataStart + (int) entry.begin(), 4 * values.length)
          .order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
      tensors.put(entry.name(), new Tensor(entry.shape(), values));
    }
    return new Contents(tensors, header.metadata());
  }

  /** The header's bytes as text; they must be valid UTF-8, as the reference implementation requires. */
  private static String utf8(Path file, byte[] bytes, int headerLength) throws AdapterFileException {
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes, 8, headerLength);
    CharBuffer out = CharBuffer.allocate(headerLength);
    CoderResult result = decoder.decode(in, out, true);
    if (result.isError()) {
      throw new AdapterFileException(file, "malformed safetensors header: not valid UTF-8 at byte "
          + (in.position() - 8) + " of the header");
    }
    decoder.flush(out);
    return out.flip().toString();
  }

  /**
   * The tensors must tile the data section as the reference implementation's {@code validate()}
   * checks: sorted by offsets, each starts where the one before ends, and the last ends where the
   * data does. Sorting keeps this O(n log n) on a 16 MiB header of ~300k entries (docs/DESIGN.md §5).
   */
  private static void checkTiling(Path file, List<Entry> entries, long dataLength) throws AdapterFileException {
    List<Entry> byOffset = new ArrayList<>(entries);
    byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
    long position = 0;
    Entry previous = null;
    for (Entry entry : byOffset) {
      if (entry.begin() > position) {
        throw new AdapterFileException(file, "a gap of " + (entry.begin() - position) + " bytes before "
            + tensor(entry.name()) + " (data bytes [" + position + ", " + entry.begin() + ") belong to no tensor)");
      }
      if (entry.begin() < position) {
        throw new AdapterFileException(file, tensor(entry.name()) + " (data bytes [" + entry.begin() + ", "
            + entry.end() + ")) overlaps " + tensor(previous.name()) + " (data bytes [" + previous.begin() + ", "
            + previous.end() + "))");
      }
      position = entry.end();
      previous = entry;
    }
    if (position != dataLength) {
      throw new AdapterFileException(file, (dataLength - position) + " bytes of data after the last "
          + (previous == null ? "tensor (the header has none)" : tensor(previous.name()) + ", which ends at byte "
              + position) + " of the " + dataLength + "-byte data section");
    }
  }

  /** A tensor's name for a message, cut short if a corrupt header made it huge. */
  private static String tensor(String name) {
    return "tensor '" + (name.length() <= QUOTED_NAME ? name : name.substring(0, QUOTED_NAME) + "...") + "'";
  }

  /** One header entry, checked on its own; {@link #checkTiling} checks them together. */
  private record Entry(String name, long[] shape, long begin, long end) {}

  /** The parsed header: its tensors in file order and its metadata. */
  private record Header(List<Entry> entries, Map<String, String> metadata) {}

  /**
   * Reads a header as a stream of strict JSON tokens (Gson's {@link Strictness#STRICT}), keeping
   * each number's literal text so that {@code 2.0}, {@code 2e0}, {@code "2"} and {@code -0} are not
   * taken for the integer 2 or 0, and tracking which tensor it is in for messages.
   */
  private static final class HeaderReader {

    private final Path file;
    private final String text;
    private final long dataLength;

    HeaderReader(Path file, String text, long dataLength) {
      this.file = file;
      this.text = text;
      this.dataLength = dataLength;
    }

    Header read() throws AdapterFileException {
      if (!text.startsWith("{")) {
        throw new AdapterFileException(file, "malformed safetensors header: it must be a JSON object from its"
            + " first byte, but starts with " + (text.isEmpty() ? "nothing" : "'" + text.charAt(0) + "'"));
      }
      JsonReader reader = new JsonReader(new StringReader(text));
      reader.setStrictness(Strictness.STRICT);
      String current = null; // the key being read, for messages
      boolean inside = false;
      try {
        List<Entry> entries = new ArrayList<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        Set<String> names = new HashSet<>();
        reader.beginObject();
        while (reader.hasNext()) {
          String name = reader.nextName();
          current = name;
          inside = true;
          if (!names.add(name)) {
            throw fail("the header holds " + (name.equals(METADATA) ? METADATA : tensor(name)) + " twice");
          }
          if (name.equals(METADATA)) {
            metadata = metadata(reader);
          } else {
            entries.add(entry(reader, name));
          }
          inside = false;
        }
        reader.endObject();
        current = "";
        if (reader.peek() != JsonToken.END_DOCUMENT) {
          throw fail("more JSON follows the header's object");
        }
        return new Header(entries, metadata);
      } catch (AdapterFileException e) {
        throw e;
      } catch (IOException | IllegalStateException e) {
        // MalformedJsonException (an IOException) for syntax, IllegalStateException for a token of
        // the wrong kind: both carry the position; Gson's advice on leniency is not ours to give.
        String message = String.valueOf(e.getMessage()).lines().findFirst().orElse("")
            .replace("Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON",
                "not strict JSON (a comment, single quotes, an unquoted name or value, or text after the object)");
        String where = current == null ? ""
            : current.isEmpty() ? " after the header's object"
            : (inside ? " in the entry of " : " after the entry of ")
                + (current.equals(METADATA) ? METADATA : tensor(current));
        throw new AdapterFileException(file, "malformed safetensors header" + where + ": " + message);
      }
    }

    private Map<String, String> metadata(JsonReader reader) throws IOException {
      Map<String, String> metadata = new LinkedHashMap<>();
      if (reader.peek() == JsonToken.NULL) { // the reference reads an optional map: null is none
        reader.nextNull();
        return metadata;
      }
      if (reader.peek() != JsonToken.BEGIN_OBJECT) {
        throw fail(METADATA + " is " + article(reader.peek()) + ", not an object of strings");
      }
      reader.beginObject();
      while (reader.hasNext()) {
        String key = reader.nextName();
        if (metadata.containsKey(key)) {
          throw fail(METADATA + " holds key '" + shortened(key) + "' twice");
        }
        if (reader.peek() != JsonToken.STRING) {
          throw fail(METADATA + " '" + shortened(key) + "' is " + article(reader.peek()) + ", not a string");
        }
        metadata.put(key, reader.nextString());
      }
      reader.endObject();
      return metadata;
    }

    private Entry entry(JsonReader reader, String name) throws IOException {
      if (reader.peek() != JsonToken.BEGIN_OBJECT) {
        throw fail(tensor(name) + " is described by " + article(reader.peek()) + ", not an object");
      }
      String dtype = null;
      long[] shape = null;
      long[] offsets = null;
      Set<String> others = null; // keys the reference ignores; made only when a file has any
      reader.beginObject();
      while (reader.hasNext()) {
        String key = reader.nextName();
        boolean twice = switch (key) {
          case "dtype" -> dtype != null;
          case "shape" -> shape != null;
          case "data_offsets" -> offsets != null;
          default -> {
            others = others == null ? new HashSet<>() : others;
            yield !others.add(key);
          }
        };
        if (twice) {
          throw fail(tensor(name) + " has key '" + shortened(key) + "' twice");
        }
        switch (key) {
          case "dtype" -> {
            if (reader.peek() != JsonToken.STRING) {
              throw fail(tensor(name) + " has a dtype that is " + article(reader.peek()) + ", not a string");
            }
            dtype = reader.nextString();
          }
          case "shape" -> shape = integers(reader, name, key);
          case "data_offsets" -> offsets = integers(reader, name, key);
          default -> reader.skipValue(); // the reference implementation ignores other keys
        }
      }
      reader.endObject();
      if (dtype == null || shape == null || offsets == null) {
        throw fail(tensor(name) + " has no '" + (dtype == null ? "dtype" : shape == null ? "shape" : "data_offsets")
            + "'");
      }
      if (!dtype.equals("F32")) {
        throw fail(tensor(name) + " has dtype '" + shortened(dtype) + "', "
            + (DTYPES.contains(dtype) ? "but rankwise adapter files hold F32 tensors only"
                : "which is not a safetensors dtype"));
      }
      if (offsets.length != 2) {
        throw fail(tensor(name) + " has " + offsets.length + " data_offsets; expected [begin, end]");
      }
      long begin = offsets[0];
      long end = offsets[1];
      if (end < begin || end > dataLength) {
        throw fail(tensor(name) + " has data offsets [" + begin + ", " + end + "] outside the " + dataLength
            + "-byte data section" + (end < begin ? " (its end is before its begin)" : ""));
      }
      long bytes;
      try {
        long elements = 1;
        for (long dimension : shape) {
          elements = Math.multiplyExact(elements, dimension);
        }
        bytes = Math.multiplyExact(elements, 4L);
      } catch (ArithmeticException e) {
        throw fail(tensor(name) + " has shape " + Arrays.toString(shape)
            + ", whose size in bytes overflows 64 bits");
      }
      if (bytes != end - begin) {
        throw fail(tensor(name) + " of shape " + Arrays.toString(shape) + " declares " + bytes / 4
            + " F32 values (" + bytes + " bytes) but its data offsets [" + begin + ", " + end + "] hold "
            + (end - begin) + " bytes");
      }
      if (bytes > MAX_FILE_BYTES) {
        throw fail(tensor(name) + " holds " + bytes + " bytes, more than this reader holds");
      }
      return new Entry(name, shape, begin, end);
    }

    /** An array of non-negative JSON integers below 2^63, each written as one: no sign, fraction or exponent. */
    private long[] integers(JsonReader reader, String name, String key) throws IOException {
      if (reader.peek() != JsonToken.BEGIN_ARRAY) {
        throw fail(tensor(name) + " has a " + key + " that is " + article(reader.peek()) + ", not an array");
      }
      long[] values = new long[4];
      int count = 0;
      reader.beginArray();
      while (reader.hasNext()) {
        if (reader.peek() != JsonToken.NUMBER) {
          throw fail(tensor(name) + " has " + article(reader.peek()) + " in its " + key
              + "; expected non-negative integers (a number written as a string is not one)");
        }
        String literal = reader.nextString();
        if (!isInteger(literal)) {
          throw fail(tensor(name) + " has " + shortened(literal) + " in its " + key
              + "; expected non-negative integers without sign, fraction or exponent");
        }
        if (literal.length() > 19 || (literal.length() == 19 && literal.compareTo("9223372036854775807") > 0)) {
          throw fail(tensor(name) + " has " + shortened(literal) + " in its " + key + ", beyond 2^63 - 1");
        }
        if (count == values.length) {
          values = Arrays.copyOf(values, 2 * count);
        }
        values[count++] = Long.parseLong(literal);
      }
      reader.endArray();
      return Arrays.copyOf(values, count);
    }

    private static boolean isInteger(String literal) {
      if (literal.isEmpty() || (literal.charAt(0) == '0' && literal.length() > 1)) {
        return false;
      }
      for (int i = 0; i < literal.length(); i++) {
        if (literal.charAt(i) < '0' || literal.charAt(i) > '9') {
          return false;
        }
      }
      return true;
    }

    private static String article(JsonToken token) {
      return switch (token) {
        case BEGIN_ARRAY -> "an array";
        case BEGIN_OBJECT -> "an object";
        case STRING -> "a string";
        case NUMBER -> "a number";
        case BOOLEAN -> "a boolean";
        case NULL -> "null";
        default -> token.toString();
      };
    }

    private static String shortened(String text) {
      return text.length() <= QUOTED_NAME ? text : text.substring(0, QUOTED_NAME) + "...";
    }

    private AdapterFileException fail(String problem) {
      return new AdapterFileException(file, problem);
    }
  }
}
