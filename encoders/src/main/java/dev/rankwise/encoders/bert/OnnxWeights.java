package dev.rankwise.encoders.bert;

import dev.rankwise.encoders.bert.Weights.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLConnection;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
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
 * weights in other forms and are refused, as are initializers of another floating type (fp16, double);
 * integer initializers are buffers ({@code position_ids}), skipped. A malformed file is an {@link
 * IOException} naming the byte offset or the tensor.
 */
final class OnnxWeights {

  private static final Logger LOG = LoggerFactory.getLogger(OnnxWeights.class);

  /** Operators of optimised or quantized exports, whose weights are not plain fp32 matrices. */
  private static final Set<String> REFUSED_OPS = Set.of("Attention", "MultiHeadAttention",
      "SkipLayerNormalization", "EmbedLayerNormalization", "FastGelu", "QuantizeLinear",
      "DynamicQuantizeLinear", "DequantizeLinear", "MatMulInteger", "QLinearMatMul", "MatMulNBits");

  /** TensorProto.DataType: FLOAT is read, the integer types are buffers (skipped), the rest refused. */
  private static final long FLOAT = 1;
  private static final Set<Long> INTEGER_TYPES = Set.of(2L, 3L, 4L, 5L, 6L, 7L, 9L, 12L, 13L, 21L, 22L);
  private static final List<String> TYPE_NAMES = List.of("UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16",
      "INT16", "INT32", "INT64", "STRING", "BOOL", "FLOAT16", "DOUBLE", "UINT32", "UINT64", "COMPLEX64",
      "COMPLEX128", "BFLOAT16", "FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2", "FLOAT8E5M2FNUZ", "UINT4",
      "INT4");

  /** The most values a tensor may have: a Java array's. */
  private static final long MAX_VALUES = Integer.MAX_VALUE - 8;

  private OnnxWeights() {}

  /**
   * Reads a model from the class path.
   *
   * @param artifact the Maven artifact that holds it, for the message when it is missing
   * @throws IOException if the resource is missing or malformed
   */
  static Weights readResource(String resource, String artifact) throws IOException {
    URL url = OnnxWeights.class.getResource(resource);
    if (url == null) {
      throw new IOException("class-path resource " + resource + " not found; add " + artifact
          + " as a dependency");
    }
    URLConnection connection = url.openConnection();
    try (InputStream in = connection.getInputStream()) {
      return read(in, connection.getContentLengthLong(), "class-path resource " + resource);
    }
  }

  /**
   * Reads a model.
   *
   * @param source names the model in messages
   * @throws IOException if the bytes are not an ONNX model of the expected form; the message names
   *     the byte offset or the tensor
   */
  static Weights read(InputStream in, String source) throws IOException {
    return read(in, -1, source);
  }

  /**
   * Reads a model of {@code size} bytes (-1: unknown) into native memory, where its weights stay:
   * the tensors are views of it, the transposed linear weights native copies.
   */
  private static Weights read(InputStream in, long size, String source) throws IOException {
    ByteBuffer model = readFully(in, size, source).order(ByteOrder.LITTLE_ENDIAN);
    Map<String, Tensor> initializers = new LinkedHashMap<>();
    List<Node> nodes = new ArrayList<>();
    Reader graph = null;
    for (Reader reader = new Reader(model, 0, source); reader.hasMore(); ) {
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
        tensor(graph.message(), source, initializers);
      } else if (field == 1) {
        Node node = node(graph.message());
        if (REFUSED_OPS.contains(node.op())) {
          throw new IOException(source + ": the graph has a " + node.op() + " node, so it is an"
              + " optimised or quantized export; rankwise reads the weights of plain fp32 exports");
        }
        nodes.add(node);
      } else {
        graph.skip();
      }
    }
    return new Weights(source, nameLinearWeights(initializers, nodes, source));
  }

  /** A NodeProto's operator, inputs and outputs. */
  private record Node(String op, List<String> inputs, List<String> outputs) {}

  private static Map<String, Tensor> nameLinearWeights(
      Map<String, Tensor> initializers, List<Node> nodes, String source) throws IOException {
    Map<String, String> addBiasByInput = new LinkedHashMap<>();
    for (Node node : nodes) {
      if (node.op().equals("Add") && node.inputs().size() == 2) {
        for (int i = 0; i < 2; i++) {
          String other = node.inputs().get(1 - i);
          if (other.endsWith(".bias") && initializers.containsKey(other)) {
            addBiasByInput.put(node.inputs().get(i), other);
          }
        }
      }
    }
    Map<String, String> renamed = new LinkedHashMap<>();
    for (Node node : nodes) {
      if (!node.op().equals("MatMul")) {
        continue;
      }
      String weight = node.inputs().stream()
          .filter(input -> input.startsWith("onnx::MatMul") && initializers.containsKey(input))
          .findFirst().orElse(null);
      if (weight == null) {
        continue;
      }
      if (node.inputs().size() != 2 || !node.inputs().get(1).equals(weight) || node.outputs().size() != 1) {
        throw new IOException(source + ": the MatMul of weight " + weight + " has inputs " + node.inputs()
            + " and outputs " + node.outputs() + ", not (activations, weight) and one output");
      }
      String bias = addBiasByInput.get(node.outputs().get(0));
      if (bias == null) {
        throw new IOException(source + ": MatMul weight " + weight + " is not followed by an Add of a"
            + " named bias, so it cannot be named");
      }
      if (initializers.get(weight).shape().length != 2) {
        throw new IOException(source + ": MatMul weight " + weight + " has shape "
            + Arrays.toString(initializers.get(weight).shape()) + ", not a matrix");
      }
      renamed.put(weight, bias.substring(0, bias.length() - ".bias".length()) + ".weight");
    }
    Map<String, Tensor> named = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> entry : initializers.entrySet()) {
      String name = renamed.get(entry.getKey());
      named.put(name == null ? entry.getKey() : name,
          name == null ? entry.getValue() : transpose(entry.getValue()));
    }
    return named;
  }

  /**
   * The matrix transposed in its own bytes (a view of the model's, read for this model alone), so
   * that a model holds its weights once: ONNX's {@code MatMul} reads (in, out), DJL's (out, in).
   */
  private static Tensor transpose(Tensor matrix) {
    long[] shape = matrix.shape();
    int rows = Math.toIntExact(shape[0]);
    int columns = Math.toIntExact(shape[1]);
    float[] values = matrix.values();
    ByteBuffer bytes = matrix.bytes();
    FloatBuffer out = bytes.asFloatBuffer();
    for (int c = 0; c < columns; c++) {
      for (int r = 0; r < rows; r++) {
        out.put(c * rows + r, values[r * columns + c]);
      }
    }
    return new Tensor(new long[] {columns, rows}, bytes);
  }


  /**
   * The stream's bytes in a direct buffer, not on the heap: exactly {@code size} of them when the size
   * is known, else as many as there are.
   */
  private static ByteBuffer readFully(InputStream in, long size, String source) throws IOException {
    if (size > Integer.MAX_VALUE - 8) {
      throw new IOException(source + " has " + size + " bytes; rankwise reads ONNX models of up to 2 GB");
    }
    ByteBuffer buffer = ByteBuffer.allocateDirect(size >= 0 ? (int) size : 1 << 20);
    byte[] chunk = new byte[1 << 16];
    for (int read = in.read(chunk); read >= 0; read = in.read(chunk)) {
      if (read > buffer.remaining()) {
        if (size >= 0) {
          throw new IOException(source + " holds more than the " + size + " bytes it declares");
        }
        long grown = Math.max(2L * buffer.capacity(), (long) buffer.position() + read);
        if (grown > Integer.MAX_VALUE - 8) {
          throw new IOException(source + " has more than 2 GB; rankwise reads ONNX models of up to 2 GB");
        }
        buffer = ByteBuffer.allocateDirect((int) grown).put(buffer.flip());
      }
      buffer.put(chunk, 0, read);
    }
    if (size >= 0 && buffer.hasRemaining()) {
      throw new IOException(source + " ends after " + buffer.position() + " of its " + size + " bytes");
    }
    return buffer.flip();
  }

  /** NodeProto: inputs (field 1), outputs (2), op type (4). */
  private static Node node(Reader node) throws IOException {
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
    return new Node(op, inputs, outputs);
  }

  /**
   * TensorProto: dims (1), data_type (2), float_data (4), name (8), raw_data (9). Adds a float32
   * initializer to {@code initializers}; skips an integer one (a buffer such as {@code
   * position_ids}, not a weight).
   *
   * @throws IOException naming the tensor if it is of another type, its dims are negative or too
   *     many values, or its data does not hold them
   */
  private static void tensor(Reader tensor, String source, Map<String, Tensor> initializers)
      throws IOException {
    int at = tensor.offset();
    List<Long> dims = new ArrayList<>();
    long type = 0;
    String name = null;
    ByteBuffer raw = null;
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
          if (tensor.wireType() == 5) {
            floatData.add(tensor.fixed32());
          } else {
            Reader packed = tensor.message();
            while (packed.hasMore()) {
              floatData.add(packed.fixed32());
            }
          }
        }
        case 8 -> name = tensor.string();
        case 9 -> raw = tensor.bytes();
        default -> tensor.skip();
      }
    }
    String what = source + ": tensor " + (name != null ? name : "at byte " + at);
    if (name == null) {
      throw new IOException(what + " has no name");
    }
    if (INTEGER_TYPES.contains(type)) {
      LOG.debug("{} is {}, a buffer, not a weight: skipped", what, typeName(type));
      return;
    }
    if (type != FLOAT) {
      throw new IOException(what + " is " + typeName(type) + "; rankwise reads the weights of fp32 exports");
    }
    long[] shape = new long[dims.size()];
    long elements = 1;
    for (int i = 0; i < shape.length; i++) {
      shape[i] = dims.get(i);
      if (shape[i] < 0 || shape[i] > MAX_VALUES) {
        throw new IOException(what + " has dimensions " + dims + "; each must be in [0, " + MAX_VALUES + "]");
      }
      // Both factors are below 2^31, so the product cannot overflow.
      elements = Math.min(MAX_VALUES + 1, elements * shape[i]);
    }
    if (elements > MAX_VALUES) {
      throw new IOException(what + " has dimensions " + dims + ": more than " + MAX_VALUES + " values");
    }
    ByteBuffer values;
    if (raw != null) {
      if (raw.remaining() % Float.BYTES != 0) {
        throw new IOException(what + " has " + raw.remaining() + " bytes of raw data, not a whole number of"
            + " float32 values");
      }
      values = raw; // a view of the model's bytes: no copy
    } else {
      values = Weights.nativeBytes(floatData.size());
      for (int i = 0; i < floatData.size(); i++) {
        values.putFloat(i * Float.BYTES, floatData.get(i));
      }
    }
    if (values.remaining() / Float.BYTES != elements) {
      throw new IOException(what + " declares " + elements + " values but holds " + values.remaining() / Float.BYTES);
    }
    initializers.put(name, new Tensor(shape, values));
  }

  private static String typeName(long type) {
    return type >= 0 && type < TYPE_NAMES.size() ? TYPE_NAMES.get((int) type) + " (data type " + type + ")"
        : "of data type " + type;
  }

  /**
   * A protobuf wire-format reader over a slice of the model. Every read is bounds-checked: a field
   * that runs past the end of its message is an {@link IOException} naming its offset in the file.
   */
  private static final class Reader {
    private final ByteBuffer buffer;
    private final int base;
    private final String source;
    private int wireType;

    /**
     * @param base the offset of the slice's first byte in the file, for messages
     */
    Reader(ByteBuffer buffer, int base, String source) {
      this.buffer = buffer;
      this.base = base;
      this.source = source;
    }

    boolean hasMore() {
      return buffer.hasRemaining();
    }

    /** The offset in the file of the next byte. */
    int offset() {
      return base + buffer.position();
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
      int start = offset();
      long value = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        if (!buffer.hasRemaining()) {
          throw new IOException(source + ": truncated varint at byte " + start);
        }
        byte b = buffer.get();
        value |= (long) (b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
          return value;
        }
      }
      throw new IOException(source + ": malformed varint at byte " + start);
    }

    float fixed32() throws IOException {
      require(Float.BYTES);
      return buffer.getFloat();
    }

    ByteBuffer bytes() throws IOException {
      if (wireType != 2) {
        throw new IOException(source + ": the field before byte " + offset() + " has wire type " + wireType
            + ", not a length-delimited one");
      }
      int at = offset();
      long length = varint();
      if (length < 0 || length > buffer.remaining()) {
        throw new IOException(source + ": a field of " + Long.toUnsignedString(length) + " bytes at byte " + at
            + " runs past the end of its message (" + buffer.remaining() + " bytes left)");
      }
      ByteBuffer slice = buffer.slice(buffer.position(), (int) length).order(ByteOrder.LITTLE_ENDIAN);
      buffer.position(buffer.position() + (int) length);
      return slice;
    }

    Reader message() throws IOException {
      ByteBuffer bytes = bytes();
      return new Reader(bytes, offset() - bytes.remaining(), source);
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
        case 1 -> advance(Long.BYTES);
        case 2 -> bytes();
        case 5 -> advance(Float.BYTES);
        default -> throw new IOException(source + ": unsupported protobuf wire type " + wireType
            + " before byte " + offset());
      }
    }

    private void advance(int bytes) throws IOException {
      require(bytes);
      buffer.position(buffer.position() + bytes);
    }

    private void require(int bytes) throws IOException {
      if (buffer.remaining() < bytes) {
        throw new IOException(source + ": a " + bytes + "-byte field at byte " + offset()
            + " runs past the end of its message (" + buffer.remaining() + " bytes left)");
      }
    }
  }
}
