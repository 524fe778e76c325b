package dev.rankwise.runtime.io;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.EOFException;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The header of a safetensors file (an 8-byte little-endian header length, a JSON header, then the
 * raw little-endian data), read and checked against the file as the format's reference
 * implementation (huggingface/safetensors) reads it: the one reader of the format's header in
 * rankwise, used for adapter files and checkpoints (F32 only, {@code Safetensors}) and for a model's
 * {@code model.safetensors} (the encoders' weight reader), docs/DESIGN.md §5.
 *
 * <p>Checked before anything is allocated for the data: valid UTF-8; strict JSON (no comments, single
 * quotes, unquoted names or trailing text) starting at the header's first byte; no key twice in the
 * header, a tensor's entry or {@code __metadata__}; {@code __metadata__} a map of strings; each tensor
 * an object with a known {@code dtype} (any of the format's, whether or not the caller reads it), a
 * {@code shape} and two {@code data_offsets} written as non-negative JSON integers below 2^63 (not
 * {@code "2"}, {@code 2.0}, {@code 2e0} or {@code -0}), a byte size that does not overflow and equals
 * its offsets' span; and tensors that, sorted by offset, tile the data section exactly: no gap, no
 * overlap, no byte after the last. Every rejection is an {@link AdapterFileException} whose message
 * starts with the file and names the tensor where there is one. Which dtypes a caller reads is the
 * caller's rule, not the format's.
 */
public final class SafetensorsHeader {

  /**
   * Largest header accepted: 16 MiB, room for ~290k tensors. PEFT adapters have headers of a few
   * kilobytes, a BERT-family model's of some tens.
   */
  public static final long MAX_HEADER_BYTES = 16L << 20;

  private static final String METADATA = "__metadata__";

  /** The dtypes of the format and their sizes in bits; a file of any other is not a safetensors file. */
  private static final Map<String, Integer> DTYPE_BITS = Map.ofEntries(
      Map.entry("BOOL", 8), Map.entry("F4", 4), Map.entry("F6_E2M3", 6), Map.entry("F6_E3M2", 6),
      Map.entry("U8", 8), Map.entry("I8", 8), Map.entry("F8_E5M2", 8), Map.entry("F8_E4M3", 8),
      Map.entry("F8_E8M0", 8), Map.entry("I16", 16), Map.entry("U16", 16), Map.entry("F16", 16),
      Map.entry("BF16", 16), Map.entry("I32", 32), Map.entry("U32", 32), Map.entry("F32", 32),
      Map.entry("F64", 64), Map.entry("I64", 64), Map.entry("U64", 64), Map.entry("C64", 64));

  /** The longest tensor name a message quotes in full. */
  private static final int QUOTED_NAME = 200;

  /**
   * One tensor of the header, checked: its bytes are {@code [begin, end)} of the data section.
   *
   * @param name the tensor's name
   * @param dtype one of the format's dtypes, such as {@code F32}, {@code BF16} or {@code I64}
   * @param shape its dimensions (a copy on each call)
   * @param begin its first byte, counted from the start of the data section
   * @param end the byte after its last
   */
  public record Entry(String name, String dtype, long[] shape, long begin, long end) {

    /** Creates an entry; the shape is copied. */
    public Entry {
      shape = shape.clone();
    }

    @Override
    public long[] shape() {
      return shape.clone();
    }

    /** The number of bytes the tensor holds. */
    public long byteSize() {
      return end - begin;
    }

    /** The tensor as every message of this reader names it: {@code tensor 'name'}, a huge name cut short. */
    public String describe() {
      return tensor(name);
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof Entry entry && name.equals(entry.name) && dtype.equals(entry.dtype)
          && Arrays.equals(shape, entry.shape) && begin == entry.begin && end == entry.end;
    }

    @Override
    public int hashCode() {
      return 31 * name.hashCode() + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
      return describe() + " " + dtype + Arrays.toString(shape) + " at [" + begin + ", " + end + ")";
    }
  }

  private final Path file;
  private final List<Entry> entries;
  private final Map<String, String> metadata;
  private final long dataStart;
  private final long dataLength;

  private SafetensorsHeader(Path file, List<Entry> entries, Map<String, String> metadata, long dataStart,
      long dataLength) {
    this.file = file;
    this.entries = Collections.unmodifiableList(entries);
    this.metadata = Collections.unmodifiableMap(metadata);
    this.dataStart = dataStart;
    this.dataLength = dataLength;
  }

  /**
   * Parses the header of a file held in memory, whole (read once, or mapped), so that a caller can
   * take the tensors' bytes and hash the very bytes it parsed.
   *
   * @param file the file the bytes were read from, for messages
   * @param contents the whole file, from its position to its limit; neither is changed
   * @return the checked header
   * @throws AdapterFileException if the file is truncated or its header is malformed or does not fit
   *     the file
   */
  public static SafetensorsHeader parse(Path file, ByteBuffer contents) throws AdapterFileException {
    ByteBuffer whole = contents.slice().order(ByteOrder.LITTLE_ENDIAN);
    long size = whole.remaining();
    int headerLength = headerLength(file, size, size < 8 ? 0 : whole.getLong(0));
    return decode(file, whole.slice(8, headerLength), size);
  }

  /**
   * Reads and parses the header of a file open for reading, reading no more of it than the header:
   * for model weights too large to hold twice, whose tensors are then read one by one with
   * {@link #read(FileChannel, Entry)}.
   *
   * @param file the file the channel reads, for messages
   * @param channel the open file; its position is not used or changed
   * @return the checked header
   * @throws AdapterFileException if the file is truncated or its header is malformed or does not fit
   *     the file
   * @throws IOException if the file cannot be read
   */
  public static SafetensorsHeader read(Path file, FileChannel channel) throws IOException {
    long size = channel.size();
    long length = size < 8 ? 0 : read(file, channel, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    int headerLength = headerLength(file, size, length);
    return decode(file, read(file, channel, 8, headerLength), size);
  }

  /** The file the header was read from. */
  public Path file() {
    return file;
  }

  /** The tensors in the order the header lists them; their offsets tile the data section. */
  public List<Entry> entries() {
    return entries;
  }

  /** The header's {@code __metadata__}, in file order; empty if it has none. */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** Where the data section starts in the file: 8 bytes of header length plus the header. */
  public long dataStart() {
    return dataStart;
  }

  /** The length of the data section: every byte after the header. */
  public long dataLength() {
    return dataLength;
  }

  /**
   * A tensor's bytes, little-endian, as a view of the file {@link #parse} parsed.
   *
   * @param contents the buffer given to {@link #parse}
   * @param entry one of this header's entries
   */
  public ByteBuffer data(ByteBuffer contents, Entry entry) {
    return contents.slice(contents.position() + (int) (dataStart + entry.begin()), (int) entry.byteSize())
        .order(ByteOrder.LITTLE_ENDIAN);
  }

  /**
   * Reads a tensor's bytes, little-endian, into a new heap buffer.
   *
   * @param channel the file {@link #read(Path, FileChannel)} read the header of
   * @param entry one of this header's entries
   * @throws AdapterFileException if the tensor is larger than a Java array
   * @throws IOException if the file cannot be read, or ends early
   */
  public ByteBuffer read(FileChannel channel, Entry entry) throws IOException {
    if (entry.byteSize() > Integer.MAX_VALUE - 8) {
      throw new AdapterFileException(file, entry.describe() + " holds " + entry.byteSize()
          + " bytes, more than a Java array holds");
    }
    return read(file, channel, dataStart + entry.begin(), (int) entry.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
  }

  /**
   * {@link #read(FileChannel, Entry)} into native memory (a direct buffer), not the Java heap: for a
   * model's weights, which are large and stay.
   */
  public ByteBuffer readDirect(FileChannel channel, Entry entry) throws IOException {
    if (entry.byteSize() > Integer.MAX_VALUE - 8) {
      throw new AdapterFileException(file, entry.describe() + " holds " + entry.byteSize()
          + " bytes, more than a buffer holds");
    }
    ByteBuffer buffer = ByteBuffer.allocateDirect((int) entry.byteSize());
    return fill(file, channel, dataStart + entry.begin(), buffer).order(ByteOrder.LITTLE_ENDIAN);
  }

  private static ByteBuffer read(Path file, FileChannel channel, long position, int length) throws IOException {
    return fill(file, channel, position, ByteBuffer.allocate(length));
  }

  private static ByteBuffer fill(Path file, FileChannel channel, long position, ByteBuffer buffer)
      throws IOException {
    int length = buffer.remaining();
    while (buffer.hasRemaining()) {
      if (channel.read(buffer, position + buffer.position()) < 0) {
        throw new EOFException(file + ": ends before byte " + (position + length)
            + " (the file shrank while it was read)");
      }
    }
    return buffer.flip();
  }

  /** The header length the first 8 bytes give, checked against the file's size. */
  private static int headerLength(Path file, long size, long headerLength) throws AdapterFileException {
    if (size < 8) {
      throw new AdapterFileException(
          file, "truncated safetensors file: " + size + " bytes, less than its 8-byte header length");
    }
    if (headerLength <= 0 || headerLength > MAX_HEADER_BYTES || headerLength > size - 8) {
      throw new AdapterFileException(
          file, "safetensors header length " + Long.toUnsignedString(headerLength) + " does not fit a file of "
              + size + " bytes (corrupt or truncated file)");
    }
    return (int) headerLength;
  }

  /** Decodes and checks the header's bytes, which sit at byte 8 of a file of {@code size} bytes. */
  private static SafetensorsHeader decode(Path file, ByteBuffer header, long size) throws AdapterFileException {
    long dataStart = 8L + header.remaining();
    long dataLength = size - dataStart;
    HeaderReader reader = new HeaderReader(file, utf8(file, header), dataLength);
    List<Entry> entries = new ArrayList<>();
    Map<String, String> metadata = reader.read(entries);
    checkTiling(file, entries, dataLength);
    return new SafetensorsHeader(file, entries, metadata, dataStart, dataLength);
  }

  /** The header's bytes as text; they must be valid UTF-8, as the reference implementation requires. */
  private static String utf8(Path file, ByteBuffer header) throws AdapterFileException {
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = header.duplicate();
    CharBuffer out = CharBuffer.allocate(in.remaining());
    CoderResult result = decoder.decode(in, out, true);
    if (result.isError()) {
      throw new AdapterFileException(file, "malformed safetensors header: not valid UTF-8 at byte "
          + (in.position() - header.position()) + " of the header");
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
            + entry.describe() + " (data bytes [" + position + ", " + entry.begin() + ") belong to no tensor)");
      }
      if (entry.begin() < position) {
        throw new AdapterFileException(file, entry.describe() + " (data bytes [" + entry.begin() + ", "
            + entry.end() + ")) overlaps " + previous.describe() + " (data bytes [" + previous.begin() + ", "
            + previous.end() + "))");
      }
      position = entry.end();
      previous = entry;
    }
    if (position != dataLength) {
      throw new AdapterFileException(file, (dataLength - position) + " bytes of data after the last "
          + (previous == null ? "tensor (the header has none)" : previous.describe() + ", which ends at byte "
              + position) + " of the " + dataLength + "-byte data section");
    }
  }

  /** A tensor's name for a message, cut short if a corrupt header made it huge. */
  private static String tensor(String name) {
    return "tensor '" + shortened(name) + "'";
  }

  private static String shortened(String text) {
    return text.length() <= QUOTED_NAME ? text : text.substring(0, QUOTED_NAME) + "...";
  }

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

    /** Adds the header's tensors to {@code entries} in file order and returns its metadata. */
    Map<String, String> read(List<Entry> entries) throws AdapterFileException {
      if (!text.startsWith("{")) {
        throw new AdapterFileException(file, "malformed safetensors header: it must be a JSON object from its"
            + " first byte, but starts with " + (text.isEmpty() ? "nothing" : "'" + text.charAt(0) + "'"));
      }
      JsonReader reader = new JsonReader(new StringReader(text));
      reader.setStrictness(Strictness.STRICT);
      String current = null; // the key being read, for messages
      boolean inside = false;
      try {
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
        return metadata;
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
      Integer bits = DTYPE_BITS.get(dtype);
      if (bits == null) {
        throw fail(tensor(name) + " has dtype '" + shortened(dtype) + "', which is not a safetensors dtype");
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
      long elements = 1;
      long size;
      try {
        for (long dimension : shape) {
          elements = Math.multiplyExact(elements, dimension);
        }
        size = Math.multiplyExact(elements, (long) bits);
      } catch (ArithmeticException e) {
        throw fail(tensor(name) + " has shape " + Arrays.toString(shape)
            + ", whose size in bits overflows 64 bits");
      }
      if (size % 8 != 0) {
        throw fail(tensor(name) + " of shape " + Arrays.toString(shape) + " declares " + elements + " " + dtype
            + " values (" + size + " bits), not a whole number of bytes");
      }
      if (size / 8 != end - begin) {
        throw fail(tensor(name) + " of shape " + Arrays.toString(shape) + " declares " + elements + " " + dtype
            + " values (" + size / 8 + " bytes) but its data offsets [" + begin + ", " + end + "] hold "
            + (end - begin) + " bytes");
      }
      return new Entry(name, dtype, shape, begin, end);
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

    private AdapterFileException fail(String problem) {
      return new AdapterFileException(file, problem);
    }
  }
}
