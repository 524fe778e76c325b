package dev.rankwise.runtime.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The safetensors layout itself, without an engine. */
class SafetensorsTest {

  private static final Path FILE = Path.of("adapter_model.safetensors");

  /** A valid header: 'a' holds 2 floats, then 'b' 1, in 12 bytes of data. */
  private static final String VALID = "{\"__metadata__\":{\"format\":\"pt\"},"
      + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
      + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}";

  /** A file of a header (as UTF-8) and {@code dataBytes} bytes of data holding 1, 2, 3, ... */
  private static byte[] file(String header, int dataBytes) {
    return file(header.getBytes(StandardCharsets.UTF_8), dataBytes);
  }

  private static byte[] file(byte[] header, int dataBytes) {
    ByteBuffer buffer = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    buffer.putLong(header.length).put(header);
    for (int i = 0; i < dataBytes / 4; i++) {
      buffer.putFloat(i + 1);
    }
    return buffer.array();
  }

  @Test
  void theValidHeaderOfTheseTestsReads() throws Exception {
    Safetensors.Contents contents = Safetensors.parse(FILE, file(VALID, 12));
    assertArrayEquals(new float[] {1, 2}, contents.tensors().get("a").values());
    assertArrayEquals(new float[] {3}, contents.tensors().get("b").values());
    // The reference implementation sorts by offset: file order need not be data order, and an empty
    // tensor may sit anywhere.
    Safetensors.Contents reordered = Safetensors.parse(FILE, file("{\"b\":{\"dtype\":\"F32\",\"shape\":[1],"
        + "\"data_offsets\":[8,12]},\"e\":{\"dtype\":\"F32\",\"shape\":[0,70000],\"data_offsets\":[8,8]},"
        + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}   ", 12));
    assertEquals(List.of("b", "e", "a"), List.copyOf(reordered.tensors().keySet()));
    assertArrayEquals(new float[] {3}, reordered.tensors().get("b").values());
    assertArrayEquals(new long[] {0, 70000}, reordered.tensors().get("e").shape());
  }

  /**
   * docs/DESIGN.md §5: the header is read as the format's reference implementation reads it (strict
   * JSON, integers as integers, known dtypes, tensors that tile the data), and each rejection names
   * the tensor. Each row edits the valid header: {@code from} becomes {@code to}, the data section
   * has {@code data} bytes, and the message must hold {@code expected}.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
      comment            | ,"a":{                     | ,/* c */"a":{                    | 12 | header
      comment in entry   | "b":{"dtype"               | "b":{// c\\n"dtype"               | 12 | tensor 'b'
      single quotes      | "b":{"dtype"               | "b":{'dtype'                      | 12 | tensor 'b'
      unquoted name      | "b":{"dtype"               | "b":{dtype                        | 12 | tensor 'b'
      trailing comma     | [8,12]}                    | [8,12,]}                          | 12 | tensor 'b'
      number as string   | "shape":[2]                | "shape":["2"]                     | 12 | tensor 'a'
      offset as string   | [8,12]                     | [8,"12"]                          | 12 | tensor 'b'
      fraction           | "shape":[2]                | "shape":[2.0]                     | 12 | tensor 'a'
      exponent           | [8,12]                     | [8,1.2e1]                         | 12 | tensor 'b'
      negative zero      | "shape":[1]                | "shape":[-0]                      | 12 | tensor 'b'
      beyond 2^63        | [8,12]                     | [8,9223372036854775820]           | 12 | tensor 'b'
      beyond 2^64        | "shape":[2]                | "shape":[18446744073709551618]    | 12 | tensor 'a'
      negative offset    | [0,8]                      | [-4,8]                            | 12 | tensor 'a'
      three offsets      | [8,12]                     | [8,12,12]                         | 12 | tensor 'b'
      duplicate tensor   | "b":{                      | "a":{                             | 12 | tensor 'a'
      duplicate field    | "shape":[1]                | "shape":[1],"shape":[1]           | 12 | tensor 'b'
      duplicate metadata | "format":"pt"              | "format":"pt","format":"pt"       | 12 | __metadata__
      metadata number    | "format":"pt"              | "format":1                        | 12 | __metadata__
      no dtype           | "dtype":"F32","shape":[1]  | "shape":[1]                       | 12 | tensor 'b'
      dtype as number    | "dtype":"F32","shape":[1]  | "dtype":32,"shape":[1]            | 12 | tensor 'b'
      unknown dtype      | "dtype":"F32","shape":[1]  | "dtype":"F33","shape":[1]         | 12 | tensor 'b'
      unsupported dtype  | "dtype":"F32","shape":[2]  | "dtype":"F16","shape":[4]         | 12 | tensor 'a'
      gap                | [8,12]                     | [12,16]                           | 16 | tensor 'b'
      bytes after last   | [8,12]                     | [8,12]                            | 16 | after the last tensor 'b'
      overlap            | "shape":[1],"data_offsets":[8,12] | "shape":[1],"data_offsets":[4,8] | 12 | tensor 'b'
      shape not offsets  | "shape":[1]                | "shape":[2]                       | 12 | tensor 'b'
      end before begin   | [8,12]                     | [12,8]                            | 12 | tensor 'b'
      not an object      | "b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]} | "b":[8,12] | 12 | tensor 'b'
      leading space      | {"__metadata__"            | \\u0020{"__metadata__"             | 12 | header
      trailing text      | [8,12]}}                   | [8,12]}} x                        | 12 | header
      two objects        | [8,12]}}                   | [8,12]}}{}                        | 12 | header
      """)
  void aHeaderTheReferenceRejectsIsRejectedNamingTheTensor(
      String what, String from, String to, int data, String expected) {
    String header = VALID.replace(from, to.replace("\\n", "\n").replace("\\u0020", " "));
    assertTrue(!header.equals(VALID) || what.equals("bytes after last"), what + ": the edit applies");
    AdapterFileException error =
        assertThrows(AdapterFileException.class, () -> Safetensors.parse(FILE, file(header, data)), header);
    assertTrue(error.getMessage().startsWith(FILE + ": "), error.getMessage());
    assertTrue(error.getMessage().contains(expected), what + ": " + error.getMessage());
  }

  @Test
  void aHeaderThatIsNotUtf8IsRejected() {
    byte[] header = VALID.replace("\"b\"", "\"b?\"").getBytes(StandardCharsets.UTF_8);
    int at = VALID.indexOf("\"b\"") + 2;
    header[at] = (byte) 0xC3; // a two-byte sequence's lead byte, followed by '"': malformed
    AdapterFileException error =
        assertThrows(AdapterFileException.class, () -> Safetensors.parse(FILE, file(header, 12)));
    assertTrue(error.getMessage().contains("not valid UTF-8"), error.getMessage());
  }

  @Test
  void anElementCountWhoseByteSizeOverflowsIsRejected() {
    // 65536^3 * 16384 = 2^62 elements fit a long, but their 2^64 bytes wrap to 0: offsets [0, 0]
    // matched that. 65536 bytes of data make every dimension fit the data, as the old check wanted.
    String header = "{\"big\":{\"dtype\":\"F32\",\"shape\":[65536,65536,65536,16384],\"data_offsets\":[0,0]},"
        + "\"rest\":{\"dtype\":\"F32\",\"shape\":[16384],\"data_offsets\":[0,65536]}}";
    AdapterFileException error =
        assertThrows(AdapterFileException.class, () -> Safetensors.parse(FILE, file(header, 65536)));
    assertTrue(error.getMessage().contains("tensor 'big'") && error.getMessage().contains("overflow"),
        error.getMessage());
  }

  /**
   * The overlap check sorts the ranges (docs/DESIGN.md §5): a 16 MiB header of about 300k entries
   * took minutes when every pair was compared.
   */
  @Test
  void theOverlapCheckIsFastOnALargestHeader() {
    StringBuilder header = new StringBuilder("{");
    int entries = 290_000;
    for (int i = 0; i < entries; i++) {
      String name = Integer.toHexString(0x100000 + i).substring(1); // 5 hex digits, as few bytes as can be
      header.append('"').append(name).append("\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},");
    }
    header.append("\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
        + "\"y\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}");
    byte[] bytes = header.toString().getBytes(StandardCharsets.UTF_8);
    assertTrue(bytes.length <= SafetensorsHeader.MAX_HEADER_BYTES, bytes.length + " bytes");
    assertTrue(bytes.length > 15 << 20, bytes.length + " bytes");
    byte[] overlapping = file(bytes, 8);
    AdapterFileException error = assertTimeoutPreemptively(Duration.ofSeconds(20),
        () -> assertThrows(AdapterFileException.class, () -> Safetensors.parse(FILE, overlapping)));
    assertTrue(error.getMessage().contains("tensor 'y'") && error.getMessage().contains("tensor 'x'"),
        error.getMessage());

    byte[] valid = file(header.toString().replace("[4,8]", "[8,12]").getBytes(StandardCharsets.UTF_8), 12);
    Safetensors.Contents contents =
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> Safetensors.parse(FILE, valid));
    assertEquals(entries + 2, contents.tensors().size());
  }

  @Test
  void aNonAsciiKeyKeepsTheHeaderAMultipleOfEightBytesAndReadsBack(@TempDir Path directory)
      throws Exception {
    // Task names end up in keys: "é" is two UTF-8 bytes, each of "語" three; one UTF-16 char each.
    Map<String, Safetensors.Tensor> tensors = new LinkedHashMap<>();
    tensors.put("heads.café.weight",
        new Safetensors.Tensor(new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6}));
    tensors.put("heads.日本語.bias",
        new Safetensors.Tensor(new long[] {2}, new float[] {-1.5f, 0.25f}));
    byte[] bytes = Safetensors.encode(tensors, Map.of("task", "résumé"));

    long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertEquals(0, headerLength % 8, "header length " + headerLength + " bytes");
    assertEquals(bytes.length, 8 + headerLength + 4 * (6 + 2), "the data follows the header");
    String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
    String json = header.stripTrailing();
    assertEquals(" ".repeat(header.length() - json.length()), header.substring(json.length()),
        "padded with trailing spaces only");
    assertTrue(json.startsWith("{") && json.endsWith("}"), header);
    ByteBuffer data =
        ByteBuffer.wrap(bytes, 8 + (int) headerLength, 4 * 8).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(1f, data.getFloat(), "the first tensor starts where the data section starts");

    Path file = directory.resolve("adapter_model.safetensors");
    Files.write(file, bytes);
    Safetensors.Contents contents = Safetensors.readContents(file);
    assertEquals(List.copyOf(tensors.keySet()), List.copyOf(contents.tensors().keySet()));
    tensors.forEach((name, tensor) -> {
      assertArrayEquals(tensor.shape(), contents.tensors().get(name).shape(), name);
      assertArrayEquals(tensor.values(), contents.tensors().get(name).values(), name);
    });
    assertEquals("résumé", contents.metadata().get("task"));
  }
}
