package dev.rankwise.encoders.bert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The real all-MiniLM-L6-v2 ONNX file reads with every linear weight named as Hugging Face names it;
 * a malformed file is an error that says where.
 */
class OnnxWeightsTest {

  private static final String MODEL = "all-minilm-l6-v2.onnx";

  @Test
  void everyLinearWeightOfMiniLmGetsItsHuggingFaceName() throws Exception {
    Map<String, Weights.Tensor> tensors;
    try (InputStream in = getClass().getClassLoader().getResourceAsStream(MODEL)) {
      assertTrue(in != null, MODEL + " is on the class path (langchain4j's MiniLM artifact)");
      tensors = OnnxWeights.read(in, MODEL).tensors();
    }
    Pattern linear = Pattern.compile(
        "encoder\\.layer\\.[0-5]\\.(attention\\.self\\.(query|key|value)|attention\\.output\\.dense"
            + "|intermediate\\.dense|output\\.dense)\\.weight");
    long linearWeights = tensors.keySet().stream().filter(name -> linear.matcher(name).matches()).count();
    assertEquals(36, linearWeights);
    assertTrue(tensors.keySet().stream().noneMatch(name -> name.startsWith("onnx::MatMul")));
    assertArrayEquals(new long[] {384, 384}, tensors.get("encoder.layer.3.attention.self.query.weight").shape());
    assertArrayEquals(new long[] {1536, 384}, tensors.get("encoder.layer.0.intermediate.dense.weight").shape());
    assertArrayEquals(new long[] {384, 1536}, tensors.get("encoder.layer.5.output.dense.weight").shape());
    long parameters = tensors.values().stream().mapToLong(t -> t.values().length).sum();
    System.out.printf("MiniLM: %d tensors, %,d float parameters%n", tensors.size(), parameters);
    assertTrue(parameters > 22_000_000 && parameters < 23_000_000, "parameters: " + parameters);
  }

  // Malformed files, written by hand in the protobuf wire format the reader parses: each is an
  // IOException naming the file and the byte offset or the tensor, never an index exception or a
  // tensor that silently lost its values.

  private static final String SOURCE = "bad.onnx";
  /** TensorProto.DataType FLOAT. */
  private static final int FLOAT = 1;

  @Test
  void a64BitFieldRunningPastTheEndIsAnErrorNamingItsOffset() {
    // ModelProto field 3 as wire type 1 (8 bytes), with only 3 bytes left.
    IOException e = readFails(new Proto().key(3, 1).raw(1, 2, 3));
    assertTrue(e.getMessage().startsWith(SOURCE + ": "), e.getMessage());
    assertTrue(e.getMessage().contains("8-byte field at byte 1"), e.getMessage());
  }

  @Test
  void a32BitFieldRunningPastTheEndIsAnErrorNamingItsOffsetInTheFile() {
    // In the graph (which starts at byte 2), field 20 as wire type 5 (4 bytes) with 2 left: the
    // offset is the file's, not the graph's.
    IOException e = readFails(new Proto().message(7, new Proto().key(20, 5).raw(1, 2)));
    assertTrue(e.getMessage().contains("4-byte field at byte 4"), e.getMessage());
  }

  @Test
  void floatDataCutShortIsAnErrorNamingItsOffset() {
    Proto tensor = new Proto().varint(1, 2).varint(2, FLOAT).bytes(4, new byte[6]).string(8, "w");
    IOException e = readFails(graph(new Proto().message(5, tensor)));
    assertTrue(e.getMessage().contains("4-byte field at byte"), e.getMessage());
  }

  @Test
  void aNegativeDimensionIsAnErrorNamingTheTensor() {
    Proto tensor = new Proto().varint(1, -1).varint(1, -2).varint(2, FLOAT).string(8, "w").bytes(9, new byte[8]);
    IOException e = readFails(graph(new Proto().message(5, tensor)));
    assertTrue(e.getMessage().contains("tensor w") && e.getMessage().contains("-1"), e.getMessage());
  }

  @Test
  void dimensionsWhoseProductOverflowsAreAnErrorNotAnEmptyTensor() {
    // 2^32 x 2^32 is 0 in 64 bits, so unchecked it is an empty tensor that matches no data.
    Proto tensor = new Proto().varint(1, 1L << 32).varint(1, 1L << 32).varint(2, FLOAT).string(8, "w");
    IOException e = readFails(graph(new Proto().message(5, tensor)));
    assertTrue(e.getMessage().contains("tensor w"), e.getMessage());
  }

  @Test
  void aMatMulWithoutItsOutputIsAnErrorNamingTheWeight() {
    Proto graph = new Proto()
        .message(1, new Proto().string(1, "x").string(1, "onnx::MatMul_7").string(4, "MatMul"))
        .message(5, floatTensor("onnx::MatMul_7", 2, 2));
    IOException e = readFails(graph(graph));
    assertTrue(e.getMessage().contains("onnx::MatMul_7"), e.getMessage());
  }

  @Test
  void aMatMulWeightThatIsNotAMatrixIsAnErrorNamingIt() {
    Proto graph = new Proto()
        .message(1, new Proto().string(1, "x").string(1, "onnx::MatMul_7").string(2, "y").string(4, "MatMul"))
        .message(1, new Proto().string(1, "y").string(1, "dense.bias").string(2, "z").string(4, "Add"))
        .message(5, floatTensor("onnx::MatMul_7", 4))
        .message(5, floatTensor("dense.bias", 4));
    IOException e = readFails(graph(graph));
    assertTrue(e.getMessage().contains("onnx::MatMul_7") && e.getMessage().contains("[4]"), e.getMessage());
  }

  @Test
  void aFloat16InitializerIsAnErrorNamingItNotASkippedWeight() {
    Proto tensor = new Proto().varint(1, 2).varint(2, 10).string(8, "dense.bias").bytes(9, new byte[4]);
    IOException e = readFails(graph(new Proto().message(5, tensor)));
    assertTrue(e.getMessage().contains("tensor dense.bias") && e.getMessage().contains("FLOAT16"), e.getMessage());
  }

  @Test
  void rawDataThatIsNotWholeFloatsIsAnErrorNamingTheTensor() {
    // 9 bytes for 2 values: two floats and a stray byte, which a division by 4 would drop.
    Proto tensor = new Proto().varint(1, 2).varint(2, FLOAT).string(8, "w").bytes(9, new byte[9]);
    IOException e = readFails(graph(new Proto().message(5, tensor)));
    assertTrue(e.getMessage().contains("tensor w") && e.getMessage().contains("9 bytes"), e.getMessage());
  }

  @Test
  void integerBuffersAreSkippedAndFloatDataIsReadPackedOrNot() throws Exception {
    Proto ids = new Proto().varint(1, 2).varint(2, 7).string(8, "embeddings.position_ids").bytes(9, new byte[16]);
    Proto packed = new Proto().varint(1, 2).varint(2, FLOAT).bytes(4, floats(1.5f, -2f)).string(8, "a");
    Proto unpacked = new Proto().varint(1, 2).varint(2, FLOAT).key(4, 5).raw(floats(3f))
        .key(4, 5).raw(floats(4f)).string(8, "b");
    Map<String, Weights.Tensor> tensors = read(graph(new Proto().message(5, ids).message(5, packed)
        .message(5, unpacked))).tensors();
    assertEquals(List.of("a", "b"), List.copyOf(tensors.keySet()));
    assertArrayEquals(new float[] {1.5f, -2f}, tensors.get("a").values());
    assertArrayEquals(new float[] {3f, 4f}, tensors.get("b").values());
  }

  private static Proto graph(Proto graph) {
    return new Proto().message(7, graph);
  }

  private static Proto floatTensor(String name, long... dims) {
    Proto tensor = new Proto();
    long elements = 1;
    for (long dim : dims) {
      tensor.varint(1, dim);
      elements *= dim;
    }
    return tensor.varint(2, FLOAT).string(8, name).bytes(9, new byte[Math.toIntExact(4 * elements)]);
  }

  private static byte[] floats(float... values) {
    ByteBuffer bytes = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float value : values) {
      bytes.putFloat(value);
    }
    return bytes.array();
  }

  private static Weights read(Proto model) throws IOException {
    return OnnxWeights.read(new ByteArrayInputStream(model.toByteArray()), SOURCE);
  }

  private static IOException readFails(Proto model) {
    return assertThrows(IOException.class, () -> read(model));
  }

  /** The protobuf wire format: keys, varints, length-delimited fields. */
  private static final class Proto {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Proto key(int field, int wireType) {
      return rawVarint((long) field << 3 | wireType);
    }

    Proto varint(int field, long value) {
      return key(field, 0).rawVarint(value);
    }

    Proto bytes(int field, byte[] value) {
      key(field, 2).rawVarint(value.length);
      out.writeBytes(value);
      return this;
    }

    Proto string(int field, String value) {
      return bytes(field, value.getBytes(StandardCharsets.UTF_8));
    }

    Proto message(int field, Proto message) {
      return bytes(field, message.toByteArray());
    }

    Proto raw(int... values) {
      for (int value : values) {
        out.write(value);
      }
      return this;
    }

    Proto raw(byte[] values) {
      out.writeBytes(values);
      return this;
    }

    private Proto rawVarint(long value) {
      while ((value & ~0x7fL) != 0) {
        out.write((int) (value & 0x7f) | 0x80);
        value >>>= 7;
      }
      out.write((int) value);
      return this;
    }

    byte[] toByteArray() {
      return out.toByteArray();
    }
  }
}
