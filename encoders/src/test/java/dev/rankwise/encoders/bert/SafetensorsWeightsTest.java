package dev.rankwise.encoders.bert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rankwise.runtime.io.AdapterFileException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** model.safetensors: F32, F16 and BF16 decoded exactly, buffers skipped, malformed files named. */
class SafetensorsWeightsTest {

  /** A valid header: 'a' holds 2 floats, then 'b' 1, in 12 bytes of data. */
  private static final String VALID = "{\"__metadata__\":{\"format\":\"pt\"},"
      + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
      + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}";

  @TempDir Path folder;

  @Test
  void float16DecodesEveryKindOfValue() {
    assertEquals(0f, SafetensorsWeights.halfToFloat((short) 0x0000));
    assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(SafetensorsWeights.halfToFloat((short) 0x8000)));
    assertEquals(0x1p-24f, SafetensorsWeights.halfToFloat((short) 0x0001), "smallest subnormal");
    assertEquals(1023 * 0x1p-24f, SafetensorsWeights.halfToFloat((short) 0x03ff), "largest subnormal");
    assertEquals(-0x1p-14f, SafetensorsWeights.halfToFloat((short) 0x8400), "smallest normal, negative");
    assertEquals(1f, SafetensorsWeights.halfToFloat((short) 0x3c00));
    assertEquals(-2f, SafetensorsWeights.halfToFloat((short) 0xc000));
    assertEquals(0.333251953125f, SafetensorsWeights.halfToFloat((short) 0x3555));
    assertEquals(65504f, SafetensorsWeights.halfToFloat((short) 0x7bff), "largest finite");
    assertEquals(Float.POSITIVE_INFINITY, SafetensorsWeights.halfToFloat((short) 0x7c00));
    assertEquals(Float.NEGATIVE_INFINITY, SafetensorsWeights.halfToFloat((short) 0xfc00));
    assertTrue(Float.isNaN(SafetensorsWeights.halfToFloat((short) 0x7e00)));
    assertTrue(Float.isNaN(SafetensorsWeights.halfToFloat((short) 0xfc01)));
    // Every finite half: decoding then encoding (round to nearest) gives it back, and the values rise.
    float previous = Float.NEGATIVE_INFINITY;
    for (int bits = 0; bits < 0x7c00; bits++) {
      float value = SafetensorsWeights.halfToFloat((short) bits);
      assertEquals(bits, SafetensorsFile.toHalf(value) & 0xffff, "half 0x" + Integer.toHexString(bits));
      assertTrue(value > previous || bits == 0, "half 0x" + Integer.toHexString(bits) + " rises");
      previous = value;
    }
  }

  @Test
  void bfloat16IsTheUpperHalfOfAFloat() {
    assertEquals(1f, SafetensorsWeights.bfloat16ToFloat((short) 0x3f80));
    assertEquals(-3f, SafetensorsWeights.bfloat16ToFloat((short) 0xc040));
    assertEquals(Float.POSITIVE_INFINITY, SafetensorsWeights.bfloat16ToFloat((short) 0x7f80));
    assertEquals(0x1p-133f, SafetensorsWeights.bfloat16ToFloat((short) 0x0001), "subnormal");
    assertEquals(1.0078125f, SafetensorsFile.roundToBfloat16(1.01f));
  }

  @Test
  void readsFloatTensorsOfEachPrecisionAndSkipsBuffers() throws Exception {
    float[] values = {1f, -2.5f, 0.333251953125f, 65504f, 0x1p-24f, 0f};
    Path file = folder.resolve("model.safetensors");
    new SafetensorsFile()
        .f32("a", new long[] {2, 3}, values)
        .i64("embeddings.position_ids", new long[] {1, 4}, new long[] {0, 1, 2, 3})
        .f16("b", new long[] {6}, values)
        .bf16("c", new long[] {3, 2}, new float[] {1f, -3f, 1.01f, 0f, 1e-3f, 3e38f})
        .raw("empty", "F32", new long[] {0, 4}, new byte[0])
        .write(file);
    Weights weights = SafetensorsWeights.read(file);
    assertEquals(file.toString(), weights.source());
    assertEquals(List.of("a", "b", "c", "empty"), List.copyOf(weights.tensors().keySet()));
    assertArrayEquals(new long[] {2, 3}, weights.tensors().get("a").shape());
    assertArrayEquals(values, weights.tensors().get("a").values());
    assertArrayEquals(values, weights.tensors().get("b").values());
    assertArrayEquals(new float[] {1f, -3f, 1.0078125f, 0f, SafetensorsFile.roundToBfloat16(1e-3f),
        SafetensorsFile.roundToBfloat16(3e38f)}, weights.tensors().get("c").values());
    assertEquals(0, weights.tensors().get("empty").values().length);
  }

  @Test
  void tensorsMustTileTheDataExactly() throws Exception {
    expectError("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
        + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[12,16]}}", 16, "tensor 'b'", "a gap");
    expectError("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12,
        "tensor 'b'", "overlaps tensor 'a'");
    expectError("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 12,
        "after the last tensor 'a', which ends at byte 8", "12-byte data section");
    expectError("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4,
        "tensor 'a'", "data offsets [0, 8] outside the 4-byte data section");
    expectError("{\"a\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8,
        "tensor 'a'", "3 F16 values (6 bytes)", "hold 8 bytes");
    expectError("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8,
        "tensor 'a'", "data offsets [8, 0]", "end is before its begin");
  }

  @Test
  void theHeaderMustDescribeKnownTensors() throws Exception {
    expectError("{\"a\":{\"dtype\":\"F31\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
        "tensor 'a'", "F31", "not a safetensors dtype");
    expectError("{\"a\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8,
        "tensor 'a'", "F64", "F32, F16 and BF16");
    expectError("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4,
        "tensor 'a'", "-1 in its shape");
    expectError("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4, "tensor 'a'", "no 'shape'");
    expectError("{\"a\":[1,2]}", 0, "tensor 'a'", "not an object");
    expectError("[1]", 0, "must be a JSON object");
    expectError("{\"a\":", 0, "malformed safetensors header", "tensor 'a'");
  }

  /**
   * A model's header is read as strictly as an adapter's (docs/DESIGN.md §5, one header reader):
   * what the reference implementation refuses is refused, naming the file and the tensor. Each row
   * edits the valid header: {@code from} becomes {@code to}; the message must hold {@code expected}.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
      comment            | ,"a":{                     | ,/* c */"a":{                | header
      comment in entry   | "b":{"dtype"               | "b":{// c\\n"dtype"          | tensor 'b'
      single quotes      | "b":{"dtype"               | "b":{'dtype'                 | tensor 'b'
      duplicate tensor   | "b":{                      | "a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{ | tensor 'a'
      duplicate field    | "shape":[1]                | "shape":[1],"shape":[1]      | tensor 'b'
      duplicate metadata | "format":"pt"              | "format":"pt","format":"pt"  | __metadata__
      metadata number    | "format":"pt"              | "format":1                   | __metadata__
      number as string   | "shape":[2]                | "shape":["2"]                | tensor 'a'
      fraction           | "shape":[2]                | "shape":[2.0]                | tensor 'a'
      negative zero      | "shape":[1]                | "shape":[-0]                 | tensor 'b'
      leading space      | {"__metadata__"            | \\u0020{"__metadata__"       | header
      """)
  void aHeaderTheReferenceRejectsIsRejectedNamingFileAndTensor(String what, String from, String to,
      String expected) throws IOException {
    String header = VALID.replace(from, to.replace("\\n", "\n").replace("\\u0020", " "));
    assertTrue(!header.equals(VALID), what + ": the edit applies");
    Path file = folder.resolve("model.safetensors");
    SafetensorsFile.writeRaw(file, header, new byte[12]);
    IOException error = assertThrows(IOException.class, () -> SafetensorsWeights.read(file), what + ": " + header);
    assertTrue(error.getMessage().startsWith(file + ": "), error.getMessage());
    assertTrue(error.getMessage().contains(expected), what + ": " + error.getMessage());
  }

  @Test
  void aHeaderThatIsNotUtf8IsRejectedNamingTheFile() throws IOException {
    byte[] header = VALID.replace("\"b\"", "\"b?\"").getBytes(StandardCharsets.UTF_8);
    header[VALID.indexOf("\"b\"") + 2] = (byte) 0xC3; // a two-byte sequence's lead byte before '"'
    Path file = folder.resolve("model.safetensors");
    ByteBuffer bytes = ByteBuffer.allocate(8 + header.length + 12).order(ByteOrder.LITTLE_ENDIAN);
    bytes.putLong(header.length).put(header);
    Files.write(file, bytes.array());
    IOException error = assertThrows(IOException.class, () -> SafetensorsWeights.read(file));
    assertTrue(error.getMessage().startsWith(file + ": ") && error.getMessage().contains("UTF-8"),
        error.getMessage());
  }

  @Test
  void aHeaderLongerThanTheFileIsAnError() throws Exception {
    Path file = folder.resolve("short.safetensors");
    Files.write(file, ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).array());
    IOException error = assertThrows(IOException.class, () -> SafetensorsWeights.read(file));
    assertTrue(error.getMessage().contains(file.toString()) && error.getMessage().contains("header length 1000"),
        error.getMessage());
    Files.write(file, new byte[3]);
    error = assertThrows(IOException.class, () -> SafetensorsWeights.read(file));
    assertTrue(error.getMessage().contains("truncated safetensors file: 3 bytes"), error.getMessage());
  }

  private void expectError(String header, int dataBytes, String... fragments) throws IOException {
    Path file = folder.resolve("bad.safetensors");
    SafetensorsFile.writeRaw(file, header, new byte[dataBytes]);
    IOException error = assertThrows(IOException.class, () -> SafetensorsWeights.read(file));
    assertTrue(error.getMessage().startsWith(file + ": "), error.getMessage());
    // The runtime's header reader says AdapterFileException; a model's file is not an adapter's.
    assertFalse(error instanceof AdapterFileException, error.getClass().getName());
    for (String fragment : fragments) {
      assertTrue(error.getMessage().contains(fragment), error.getMessage() + " names " + fragment);
    }
  }
}
