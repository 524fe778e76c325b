package dev.rankwise.encoders.minilm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.rankwise.runtime.AdapterLayer;
import dev.rankwise.runtime.model.BlockPaths;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * all-MiniLM-L6-v2 (a 6-layer BERT, 384 hidden, 12 heads) as DJL blocks whose block paths are the
 * Hugging Face names, so that declarations such as {@code encoder.layer.*.attention.self.query}
 * select its layers. Every linear layer is a {@link Linear} child called through a field of its
 * parent, so adapters replace it.
 *
 * <p>Two forms of input and output, chosen by {@link Output}: token ids and attention mask (batch,
 * length) int64 to token states (batch, length, 384); or packed rows (batch, 2, length) int64 from
 * {@link MiniLmTokenizer#pack} to sentence features (batch, 384), the token states averaged over the
 * attended tokens as sentence-transformers pools them. Packed batches are cut to their longest row,
 * so short sentences cost less.
 *
 * <p>When adapters sit only in the upper layers, the lower ones compute the same thing for every
 * method, epoch and test pass: {@link #prefixStates} runs them once and packs their token states
 * with the mask, and after {@link #startAt} the sentence mode reads such states and runs only the
 * layers from there on.
 */
public final class MiniLm extends AbstractBlock {

  /** Hidden width. */
  public static final int HIDDEN = 384;

  /** The number of positions the model has embeddings for. */
  public static final int MAX_POSITIONS = 512;

  /** What the model reads and returns. */
  public enum Output {
    /** (ids, mask) to token states (batch, length, 384). */
    TOKENS,
    /** Packed rows (batch, 2, length) to mean-pooled sentence features (batch, 384). */
    SENTENCE
  }

  private static final int HEADS = 12;
  private static final int INTERMEDIATE = 1536;
  private static final int LAYERS = 6;
  private static final float EPSILON = 1e-12f;
  private static final byte VERSION = 1;

  private final Output output;
  private int firstLayer;
  private final Embeddings embeddings;
  private final Encoder encoder;

  /** Creates the (uninitialised) model. */
  public MiniLm(Output output) {
    super(VERSION);
    this.output = output;
    embeddings = addChildBlock("embeddings", new Embeddings());
    encoder = addChildBlock("encoder", new Encoder());
  }

  /**
   * Creates the model with the weights of an ONNX export of all-MiniLM-L6-v2.
   *
   * @throws IOException if a weight is missing or of another shape
   */
  public static MiniLm load(OnnxWeights weights, NDManager manager) throws IOException {
    return load(weights, manager, Output.TOKENS);
  }

  /**
   * Creates the model with the weights of an ONNX export of all-MiniLM-L6-v2, reading and returning
   * what {@code output} says.
   *
   * @throws IOException if a weight is missing or of another shape
   */
  public static MiniLm load(OnnxWeights weights, NDManager manager, Output output)
      throws IOException {
    MiniLm model = new MiniLm(output);
    Map<String, OnnxWeights.Tensor> tensors = weights.tensors();
    for (Map.Entry<String, Block> entry : BlockPaths.of(model).entrySet()) {
      for (var parameter : entry.getValue().getDirectParameters()) {
        String name = entry.getKey() + "." + parameter.getKey();
        OnnxWeights.Tensor tensor = tensors.get(name);
        if (tensor == null) {
          throw new IOException("the ONNX model has no weight " + name);
        }
        parameter.getValue().setArray(manager.create(tensor.values(), new Shape(tensor.shape())));
      }
    }
    model.inputShapes = output == Output.TOKENS
        ? new Shape[] {new Shape(-1, -1), new Shape(-1, -1)}
        : new Shape[] {new Shape(-1, 2, -1)};
    return model;
  }

  /** What the model reads and returns. */
  public Output output() {
    return output;
  }

  /** The number of encoder layers. */
  public int layers() {
    return LAYERS;
  }

  /**
   * Makes the sentence mode read float rows from {@link #prefixStates} for the first {@code layer}
   * layers, and run layers {@code layer} to 5 only; 0 restores token-id input.
   */
  public void startAt(int layer) {
    if (output != Output.SENTENCE || layer < 0 || layer >= LAYERS) {
      throw new IllegalArgumentException("startAt needs the sentence mode and a layer in [0, "
          + (LAYERS - 1) + "], got " + output + " and " + layer);
    }
    firstLayer = layer;
  }

  /** The layer the sentence mode starts at (0 unless {@link #startAt} said otherwise). */
  public int firstLayer() {
    return firstLayer;
  }

  /**
   * Runs the embeddings and the first {@code layers} layers, without gradients, on a batch of
   * packed rows from {@link MiniLmTokenizer#pack}; returns (rows, length, 385) float32, each
   * token's state then its attention mask, in the batch's manager. Run it over many rows with
   * {@link RowBatches}.
   */
  public NDArray prefixStates(NDArray packed, int layers) {
    ParameterStore store = new ParameterStore(packed.getManager(), false);
    NDArray ids = packed.get(":, 0, :");
    NDArray mask = packed.get(":, 1, :");
    NDArray states = embeddings.embed(store, ids, false);
    states = encoder.encode(store, states, attentionBias(mask, states), 0, layers, false);
    return states.concat(mask.toType(DataType.FLOAT32, false).expandDims(-1), -1);
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    if (output == Output.TOKENS) {
      return new NDList(tokenStates(store, inputs.get(0), inputs.get(1), training));
    }
    NDArray packed = inputs.singletonOrThrow();
    if (firstLayer > 0) {
      return new NDList(resume(store, packed, training));
    }
    if (packed.getShape().dimension() != 3 || packed.getShape().get(1) != 2) {
      throw new IllegalArgumentException(
          "sentence mode reads packed rows (batch, 2, length) from MiniLmTokenizer.pack, got "
              + packed.getShape());
    }
    long longest = Math.max(1, packed.get(":, 1, :").sum(new int[] {1}).max().getLong());
    NDArray ids = packed.get(":, 0, :{}", longest);
    NDArray mask = packed.get(":, 1, :{}", longest);
    return new NDList(meanPool(tokenStates(store, ids, mask, training), mask));
  }

  /** Layers from {@link #firstLayer} on, over states from {@link #prefixStates}, then pooling. */
  private NDArray resume(ParameterStore store, NDArray prefix, boolean training) {
    if (prefix.getShape().dimension() != 3 || prefix.getShape().get(2) != HIDDEN + 1) {
      throw new IllegalArgumentException("after startAt(" + firstLayer + ") the model reads rows of"
          + " prefixStates (batch, length, " + (HIDDEN + 1) + "), got " + prefix.getShape());
    }
    NDArray mask = prefix.get(":, :, {}", HIDDEN);
    long longest = Math.max(1, (long) mask.sum(new int[] {1}).max().getFloat());
    mask = mask.get(":, :{}", longest);
    NDArray states = prefix.get(":, :{}, :{}", longest, HIDDEN);
    states = encoder.encode(store, states, attentionBias(mask, states), firstLayer, LAYERS, training);
    return meanPool(states, mask);
  }

  private NDArray tokenStates(ParameterStore store, NDArray ids, NDArray mask, boolean training) {
    NDArray states = embeddings.embed(store, ids, training);
    return encoder.encode(store, states, attentionBias(mask, states), 0, LAYERS, training);
  }

  /** Additive attention mask (batch, 1, 1, length): 0 where attended, a large negative elsewhere. */
  private static NDArray attentionBias(NDArray mask, NDArray states) {
    NDManager manager = states.getManager();
    return mask.toType(states.getDataType(), false).neg().add(manager.create(1f))
        .mul(manager.create(-1e9f)).expandDims(1).expandDims(1);
  }

  /** The mean of the attended tokens' states (batch, 384). */
  private static NDArray meanPool(NDArray states, NDArray mask) {
    NDArray weights = mask.toType(states.getDataType(), false).expandDims(-1);
    NDArray counts = weights.sum(new int[] {1}).maximum(states.getManager().create(1f));
    return states.mul(weights).sum(new int[] {1}).div(counts);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return output == Output.TOKENS
        ? new Shape[] {inputShapes[0].add(HIDDEN)}
        : new Shape[] {new Shape(inputShapes[0].get(0), HIDDEN)};
  }

  private static NDArray layerNorm(ParameterStore store, NDArray x, Parameter gamma, Parameter beta, boolean training) {
    return LayerNorm.layerNorm(x, new Shape(HIDDEN), store.getValue(gamma, x.getDevice(), training),
        store.getValue(beta, x.getDevice(), training), EPSILON).singletonOrThrow();
  }

  /**
   * A linear child on (batch, length, in) states. A plain layer gets them as 2-D rows, whose bias
   * libtorch adds within the product (over a 3-D input it takes a second pass: 1.73 against 2.21 ms
   * for a 384-wide layer on 16 × 64 tokens). An adapter gets the batch as it is, since it routes
   * rows by example; it flattens its rows itself ({@link dev.rankwise.runtime.AdaptedLinear}).
   */
  private static NDArray dense(ParameterStore store, Linear layer, NDArray x, boolean training) {
    if (layer instanceof AdapterLayer || x.getShape().dimension() == 2) {
      return layer.forward(store, new NDList(x), training).singletonOrThrow();
    }
    Shape shape = x.getShape();
    NDArray rows = layer.forward(store, new NDList(x.reshape(-1, shape.getLastDimension())), training)
        .singletonOrThrow();
    return rows.reshape(shape.slice(0, shape.dimension() - 1).add(rows.getShape().getLastDimension()));
  }

  /** A container whose forward is its owner's; it only gives the tree its Hugging Face path. */
  private abstract static class Part extends AbstractBlock {
    Part() {
      super(VERSION);
    }

    @Override
    protected NDList forwardInternal(
        ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
      throw new UnsupportedOperationException("called through its parent");
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
      return inputShapes;
    }
  }

  /** Word, position and token-type embeddings, then LayerNorm. */
  private static final class Embeddings extends Part {
    private final Parameter words = addParameter(Parameter.builder().setName("word_embeddings.weight").setType(Parameter.Type.WEIGHT).build());
    private final Parameter positions = addParameter(Parameter.builder().setName("position_embeddings.weight").setType(Parameter.Type.WEIGHT).build());
    private final Parameter types = addParameter(Parameter.builder().setName("token_type_embeddings.weight").setType(Parameter.Type.WEIGHT).build());
    private final Parameter gamma = addParameter(Parameter.builder().setName("LayerNorm.weight").setType(Parameter.Type.GAMMA).build());
    private final Parameter beta = addParameter(Parameter.builder().setName("LayerNorm.bias").setType(Parameter.Type.BETA).build());

    NDArray embed(ParameterStore store, NDArray ids, boolean training) {
      NDManager manager = ids.getManager();
      long batch = ids.getShape().get(0);
      long length = ids.getShape().get(1);
      NDArray word = rows(store, words, ids.flatten(), training).reshape(batch, length, HIDDEN);
      NDArray position = rows(store, positions, manager.arange(length).toType(DataType.INT64, false), training);
      NDArray type = rows(store, types, manager.zeros(new Shape(1), DataType.INT64), training);
      NDArray sum = word.add(position.expandDims(0)).add(type.expandDims(0));
      return layerNorm(store, sum, gamma, beta, training);
    }

    /** Rows of an embedding table, owned by the step (docs/DESIGN.md §7: results belong to the first operand). */
    private static NDArray rows(ParameterStore store, Parameter table, NDArray ids, boolean training) {
      NDArray rows = store.getValue(table, ids.getDevice(), training).get(ids);
      rows.attach(ids.getManager());
      return rows;
    }
  }

  /** The six layers, named "0" to "5" under {@code encoder.layer}. */
  private static final class Encoder extends Part {
    private final Layers layer = addChildBlock("layer", new Layers());

    /** Runs layers {@code from} (inclusive) to {@code to} (exclusive). */
    NDArray encode(ParameterStore store, NDArray states, NDArray bias, int from, int to, boolean training) {
      List<Block> layers = layer.getChildren().values();
      for (int i = from; i < to; i++) {
        states = ((BertLayer) layers.get(i)).apply(store, states, bias, training);
      }
      return states;
    }
  }

  private static final class Layers extends Part {
    Layers() {
      for (int i = 0; i < LAYERS; i++) {
        addChildBlock(Integer.toString(i), new BertLayer());
      }
    }
  }

  /** Self-attention, then the feed-forward block, each with a residual connection and LayerNorm. */
  private static final class BertLayer extends Part {
    private final Attention attention = addChildBlock("attention", new Attention());
    private final Intermediate intermediate = addChildBlock("intermediate", new Intermediate());
    private final ResidualOutput output = addChildBlock("output", new ResidualOutput());

    NDArray apply(ParameterStore store, NDArray x, NDArray bias, boolean training) {
      NDArray attended = attention.apply(store, x, bias, training);
      return output.apply(store, intermediate.apply(store, attended, training), attended, training);
    }
  }

  private static final class Attention extends Part {
    private final SelfAttention self = addChildBlock("self", new SelfAttention());
    private final ResidualOutput output = addChildBlock("output", new ResidualOutput());

    NDArray apply(ParameterStore store, NDArray x, NDArray bias, boolean training) {
      return output.apply(store, self.apply(store, x, bias, training), x, training);
    }
  }

  private static final class SelfAttention extends Part {
    Linear query = addChildBlock("query", Linear.builder().setUnits(HIDDEN).build());
    Linear key = addChildBlock("key", Linear.builder().setUnits(HIDDEN).build());
    Linear value = addChildBlock("value", Linear.builder().setUnits(HIDDEN).build());

    NDArray apply(ParameterStore store, NDArray x, NDArray bias, boolean training) {
      NDArray q = heads(dense(store, query, x, training));
      NDArray k = heads(dense(store, key, x, training));
      NDArray v = heads(dense(store, value, x, training));
      NDManager manager = x.getManager();
      NDArray scores = q.matMul(k.transpose(0, 1, 3, 2))
          .mul(manager.create((float) (1 / Math.sqrt(HIDDEN / HEADS)))).add(bias);
      NDArray context = scores.softmax(-1).matMul(v); // (batch, heads, length, size)
      Shape shape = x.getShape();
      return context.transpose(0, 2, 1, 3).reshape(shape.get(0), shape.get(1), HIDDEN);
    }

    private static NDArray heads(NDArray x) {
      Shape shape = x.getShape();
      return x.reshape(shape.get(0), shape.get(1), HEADS, HIDDEN / HEADS).transpose(0, 2, 1, 3);
    }
  }

  /**
   * {@code LayerNorm(dense(x) + residual)}: BERT's {@code attention.output} and {@code output}, which
   * differ only in where they sit and what they read.
   */
  private static final class ResidualOutput extends Part {
    Linear dense = addChildBlock("dense", Linear.builder().setUnits(HIDDEN).build());
    private final Parameter gamma = addParameter(Parameter.builder().setName("LayerNorm.weight").setType(Parameter.Type.GAMMA).build());
    private final Parameter beta = addParameter(Parameter.builder().setName("LayerNorm.bias").setType(Parameter.Type.BETA).build());

    NDArray apply(ParameterStore store, NDArray x, NDArray residual, boolean training) {
      NDArray projected = MiniLm.dense(store, dense, x, training);
      return layerNorm(store, projected.add(residual), gamma, beta, training);
    }
  }

  private static final class Intermediate extends Part {
    Linear dense = addChildBlock("dense", Linear.builder().setUnits(INTERMEDIATE).build());

    NDArray apply(ParameterStore store, NDArray x, boolean training) {
      return Activation.gelu(MiniLm.dense(store, dense, x, training));
    }
  }
}
