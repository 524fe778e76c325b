package dev.rankwise.encoders.bert;

import dev.rankwise.encoders.bert.Weights.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the fp32 weights of an ONNX export of a BERT-family model by their Hugging Face names,
 * with a minimal protobuf reader (no protobuf library). The linear weights of an exported BERT are
 * anonymous ({@code onnx::MatMul_N}, stored [in, out]); each is named after the bias that the
 * {@code Add} node following its {@code MatMul} adds ({@code encoder.layer.0.attention.self.query.bias}
 * → {@code ….query.weight}) and transposed to DJL's (out, in). Optimised or quantized graphs
 * (fused {@code Attention}, {@code SkipLayerNormalization}, integer {@code MatMul}s) hold their
 * weights in other forms and are refused.
 */
final class OnnxWeights {

  private static final Logger LOG = LoggerFactory.getLogger(OnnxWeights.class);

  /** Operators of optimised or quantized exports, whose weights are not plain fp32 matrices. */
  private static final Set<String> REFUSED_OPS = Set.of("Attention", "MultiHeadAttention",
      "SkipLayerNormalization", "EmbedLayerNormalization", "FastGelu", "QuantizeLinear",
      "DynamicQuantizeLinear", "DequantizeLinear", "MatMulInteger", "QLinearMatMul", "MatMulNBits");

  private OnnxWeights() {}

  /**
   * Reads a model from the class path.
   *
   * @param artifact the Maven artifact that holds it, for the message when it is missing
   * @throws IOException if the resource is missing or malformed
   */
  static Weights readResource(String resource, String artifact) throws IOException {
    try (InputStream in = OnnxWeights.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException("class-path resource " + resource + " not found; add " + artifact
            + " as a dependency");
      }
      return read(in, "class-path resource " + resource);
    }
  }

  /**
   * Reads a model.
   *
   * @param source names the model in messages
   * @throws IOException if the bytes are not an ONNX model of the expected form
   */
  static Weights read(InputStream in, String source) throws IOException {
    ByteBuffer model = ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
    Map<String, Tensor> initializers = new LinkedHashMap<>();
    List<String[]> nodes = new ArrayList<>(); // op, inputs..., "->", outputs...
    Reader graph = null;
    for (Reader reader = new Reader(model, source); reader.hasMore(); ) {
      int field = reader.tag();
      if (field == 7) {
        graph = reader.message();
      } else {
        reader.skip();
      }
    }
    if (graph == null) {
      throw new IOException(source + ": no graph in the ONNX model");
    }
    while (graph.hasMore()) {
      int field = graph.tag();
      if (field == 5) {
        Reader tensor = graph.message();
        String[] name = new String[1];
        Tensor value = tensor(tensor, source, name);
        if (value == null) {
          LOG.debug("{}: skipping {}, which is not float32 (a buffer, not a weight)", source, name[0]);
        } else {
          initializers.put(name[0], value);
        }
      } else if (field == 1) {
        String[] node = node(graph.message());
        if (REFUSED_OPS.contains(node[0])) {
          throw new IOException(source + ": the graph has a " + node[0] + " node, so it is an"
              + " optimised or quantized export; rankwise reads the weights of plain fp32 exports");
        }
        nodes.add(node);
      } else {
        graph.skip();
      }
    }
    return new Weights(source, nameLinearWeights(initializers, nodes, source));
  }

  private static Map<String, Tensor> nameLinearWeights(
      Map<String, Tensor> initializers, List<String[]> nodes, String source) throws IOException {
    Map<String, String> addBiasByInput = new LinkedHashMap<>();
    for (String[] node : nodes) {
      if (node[0].equals("Add")) {
        for (int i = 1; i <= 2 && i < node.length; i++) {
          String other = node[3 - i];
          if (other.endsWith(".bias") && initializers.containsKey(other)) {
            addBiasByInput.put(node[i], other);
          }
        }
      }
    }
    Map<String, Tensor> named = new LinkedHashMap<>();
    Map<String, String> renamed = new LinkedHashMap<>();
    for (String[] node : nodes) {
      if (node[0].equals("MatMul") && initializers.containsKey(node[2]) && node[2].startsWith("onnx::MatMul")) {
        String output = node[4];
        String bias = addBiasByInput.get(output);
        if (bias == null) {
          throw new IOException(source + ": MatMul weight " + node[2] + " is not followed by an Add of a"
              + " named bias, so it cannot be named");
        }
        renamed.put(node[2], bias.substring(0, bias.length() - ".bias".length()) + ".weight");
      }
    }
    for (Map.Entry<String, Tensor> entry : initializers.entrySet()) {
      String name = renamed.get(entry.getKey());
      named.put(name == null ? entry.getKey() : name,
          name == null ? entry.getValue() : transpose(entry.getValue()));
    }
    return named;
  }

  private static Tensor transpose(Tensor matrix) {
    int rows = Math.toIntExact(matrix.shape()[0]);
    int columns = Math.toIntExact(matrix.shape()[1]);
    float[] out = new float[rows * columns];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < columns; c++) {
        out[c * rows + r] = matrix.values()[r * columns + c];
      }
    }
    return new Tensor(new long[] {columns, rows}, out);
  }

  /** NodeProto: op type, then the inputs (field 1), then "->", then the outputs (field 2). */
  private static String[] node(Reader node) throws IOException {
    List<String> inputs = new ArrayList<>();
    List<String> outputs = new ArrayList<>();
    String op = "";
    while (node.hasMore()) {
      int field = node.tag();
      switch (field) {
        case 1 -> inputs.add(node.string());
        case 2 -> outputs.add(node.string());
        case 4 -> op = node.string();
        default -> node.skip();
      }
    }
    List<String> all = new ArrayList<>();
    all.add(op);
    all.addAll(inputs);
    all.add("->");
    all.addAll(outputs);
    return all.toArray(String[]::new);
  }

  /** TensorProto: dims (1), data_type (2), float_data (4), name (8), raw_data (9). */
  private static Tensor tensor(Reader tensor, String source, String[] name) throws IOException {
    List<Long> dims = new ArrayList<>();
    long type = 1;
    float[] values = null;
    List<Float> floatData = new ArrayList<>();
    while (tensor.hasMore()) {
      int field = tensor.tag();
      switch (field) {
        case 1 -> {
          if (tensor.wireType() == 2) {
            Reader packed = tensor.message();
            while (packed.hasMore()) {
              dims.add(packed.varint());
            }
          } else {
            dims.add(tensor.varint());
          }
        }
        case 2 -> type = tensor.varint();
        case 4 -> {
          Reader packed = tensor.message();
          while (packed.hasMore()) {
            floatData.add(packed.fixed32());
          }
        }
        case 8 -> name[0] = tensor.string();
        case 9 -> {
          ByteBuffer raw = tensor.bytes();
          values = new float[raw.remaining() / 4];
          raw.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        }
        default -> tensor.skip();
      }
    }
    long elements = 1;
    long[] shape = new long[dims.size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = dims.get(i);
      elements *= shape[i];
    }
    if (type != 1) {
      return null; // not float32 (e.g. int64 position ids)
    }
    if (values == null) {
      values = new float[floatData.size()];
      for (int i = 0; i < values.length; i++) {
        values[i] = floatData.get(i);
      }
    }
    if (values.length != elements) {
      throw new IOException(source + ": tensor " + name[0] + " declares " + elements + " values but holds "
          + values.length);
    }
    return new Tensor(shape, values);
  }

  /** A protobuf wire-format reader over a slice of the model. */
  private static final class Reader {
    private final ByteBuffer buffer;
    private final String source;
    private int wireType;

    Reader(ByteBuffer buffer, String source) {
      this.buffer = buffer;
      this.source = source;
    }

    boolean hasMore() {
      return buffer.hasRemaining();
    }

    int tag() throws IOException {
      long key = varint();
      wireType = (int) (key & 7);
      return (int) (key >>> 3);
    }

    int wireType() {
      return wireType;
    }

    long varint() throws IOException {
      long value = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        if (!buffer.hasRemaining()) {
          throw new IOException(source + ": truncated varint at byte " + buffer.position());
        }
        byte b = buffer.get();
        value |= (long) (b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
          return value;
        }
      }
      throw new IOException(source + ": malformed varint at byte " + buffer.position());
    }

    float fixed32() {
      return buffer.getFloat();
    }

    ByteBuffer bytes() throws IOException {
      long length = varint();
      if (length < 0 || length > buffer.remaining()) {
        throw new IOException(source + ": a field of " + length + " bytes runs past the end of its message");
      }
      ByteBuffer slice = buffer.slice(buffer.position(), (int) length).order(ByteOrder.LITTLE_ENDIAN);
      buffer.position(buffer.position() + (int) length);
      return slice;
    }

    Reader message() throws IOException {
      return new Reader(bytes(), source);
    }

    String string() throws IOException {
      ByteBuffer bytes = bytes();
      byte[] text = new byte[bytes.remaining()];
      bytes.get(text);
      return new String(text, StandardCharsets.UTF_8);
    }

    void skip() throws IOException {
      switch (wireType) {
        case 0 -> varint();
        case 1 -> buffer.position(buffer.position() + 8);
        case 2 -> bytes();
        case 5 -> buffer.position(buffer.position() + 4);
        default -> throw new IOException(source + ": unsupported protobuf wire type " + wireType);
      }
    }
  }
}
