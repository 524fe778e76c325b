package dev.rankwise.encoders.bert;

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
import dev.rankwise.encoders.RowBatches;
import dev.rankwise.encoders.bert.BertConfig.Layout;
import dev.rankwise.runtime.AdapterLayer;
import java.io.IOException;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A BERT-family encoder (BERT, RoBERTa, DistilBERT; sizes from a {@link BertConfig}) as DJL blocks
 * whose block paths are the Hugging Face names, so that declarations such as {@code
 * encoder.layer.*.attention.self.query} select its layers (DistilBERT's are {@code
 * transformer.layer.*.attention.q_lin} and so on: its own names). Every linear layer is a {@link
 * Linear} child called through a field of its parent, so adapters replace it.
 *
 * <p>Two forms of input and output: without a {@link Pooling}, token ids and attention mask (batch,
 * length) int64 to token states (batch, length, hidden); with one, packed rows (batch, 2, length)
 * int64 from {@link TextTokenizer#pack} to sentence features (batch, hidden), pooled as the pooling
 * says. Packed batches are cut to their longest row, so short sentences cost less.
 *
 * <p>When adapters sit only in the upper layers, the lower ones compute the same thing for every
 * method, epoch and test pass: {@link #prefixStates} runs them once and packs their token states
 * with the mask, and after {@link #startAt} the sentence mode reads such states and runs only the
 * layers from there on.
 */
public final class BertModel extends AbstractBlock {

  private static final byte VERSION = 1;

  /** Additive attention bias of a padding token; exp of it is 0 in float32, as finfo.min's is. */
  private static final float MASKED = -1e9f;

  private final BertConfig config;
  private final Pooling pooling;
  /** Each parameter's shape as the config gives it (DJL's parameters take theirs from the array). */
  private final Map<Parameter, Shape> shapes = new IdentityHashMap<>();
  private final Embeddings embeddings;
  private final Encoder encoder;
  private int firstLayer;

  private BertModel(Builder builder) {
    super(VERSION);
    config = builder.config;
    pooling = builder.pooling;
    embeddings = addChildBlock("embeddings", new Embeddings(config, shapes));
    encoder = addChildBlock(config.layout() == Layout.DISTILBERT ? "transformer" : "encoder",
        new Encoder(config, shapes));
  }

  /** A builder: {@code setConfig} is required, {@code optPooling} chooses the sentence mode. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Checks that {@code weights} hold exactly this model's parameters, every one of its shape, and
   * sets them, all or nothing. The parameters take the tensors' native bytes as their memory, without
   * a copy ({@link Weights.Tensor#storage}), so the weights are this model's from then on: a merge
   * changes them. Read them again for another model.
   *
   * @throws IOException naming the file and the tensor, if one is missing, of another shape or left
   *     over
   */
  BertModel load(Weights weights, NDManager manager) throws IOException {
    Map<Parameter, Weights.Tensor> bound = WeightBinding.bind(this, weights);
    for (Map.Entry<Parameter, Weights.Tensor> entry : bound.entrySet()) {
      Weights.Tensor tensor = entry.getValue();
      Shape shape = new Shape(tensor.shape());
      // DJL's from_blob over a direct ByteBuffer: libtorch computes on the bytes read (the array keeps
      // them alive); other values it copies into a buffer of its own.
      entry.getKey().setArray(tensor.storage().map(bytes -> manager.create(bytes, shape, DataType.FLOAT32))
          .orElseGet(() -> manager.create(tensor.buffer(), shape)));
    }
    inputShapes = pooling == null
        ? new Shape[] {new Shape(-1, -1), new Shape(-1, -1)}
        : new Shape[] {new Shape(-1, 2, -1)};
    return this;
  }

  /** The shape the config gives {@code parameter}, one of this model's. */
  Shape expectedShape(Parameter parameter) {
    return shapes.get(parameter);
  }

  /** The model's sizes and layout. */
  public BertConfig config() {
    return config;
  }

  /** How the sentence mode pools token states, or {@code null} in the token mode. */
  public Pooling pooling() {
    return pooling;
  }

  /** The number of encoder layers. */
  public int layers() {
    return config.layers();
  }

  /** The hidden width: the width of token states and of sentence features. */
  public int hidden() {
    return config.hidden();
  }

  /**
   * Makes the sentence mode read float rows from {@link #prefixStates} for the first {@code layer}
   * layers, and run layers {@code layer} to the last only; 0 restores token-id input.
   */
  public void startAt(int layer) {
    if (pooling == null || layer < 0 || layer >= config.layers()) {
      throw new IllegalArgumentException("startAt needs the sentence mode and a layer in [0, "
          + (config.layers() - 1) + "], got " + (pooling == null ? "the token mode" : "the sentence mode")
          + " and " + layer);
    }
    firstLayer = layer;
  }

  /** The layer the sentence mode starts at (0 unless {@link #startAt} said otherwise). */
  public int firstLayer() {
    return firstLayer;
  }

  /**
   * Runs the embeddings and the first {@code layers} layers, without gradients, on a batch of
   * packed rows from {@link TextTokenizer#pack}; returns (rows, length, hidden + 1) float32, each
   * token's state then its attention mask, in the batch's manager. The layers run on the batch cut
   * to its longest row; the tokens past it come back as padding (zero states, mask 0), which the
   * layers above never attend to. Run it over many rows with {@link RowBatches#mapByLength}.
   */
  public NDArray prefixStates(NDArray packed, int layers) {
    NDManager manager = packed.getManager();
    ParameterStore store = new ParameterStore(manager, false);
    long length = packed.getShape().get(2);
    long longest = longest(packed);
    NDArray ids = packed.get(":, 0, :{}", longest);
    NDArray mask = packed.get(":, 1, :{}", longest);
    NDArray states = embeddings.embed(store, ids, mask, false);
    states = encoder.encode(store, states, attentionBias(mask, states), 0, layers, false);
    NDArray rows = states.concat(mask.toType(DataType.FLOAT32, false).expandDims(-1), -1);
    return longest == length ? rows
        : rows.concat(manager.zeros(new Shape(rows.getShape().get(0), length - longest, rows.getShape().get(2))), 1);
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    if (pooling == null) {
      return new NDList(tokenStates(store, inputs.get(0), inputs.get(1), training));
    }
    NDArray packed = inputs.singletonOrThrow();
    if (firstLayer > 0) {
      return new NDList(resume(store, packed, training));
    }
    if (packed.getShape().dimension() != 3 || packed.getShape().get(1) != 2) {
      throw new IllegalArgumentException(
          "sentence mode reads packed rows (batch, 2, length) from TextTokenizer.pack, got "
              + packed.getShape());
    }
    long longest = longest(packed);
    NDArray ids = packed.get(":, 0, :{}", longest);
    NDArray mask = packed.get(":, 1, :{}", longest);
    return new NDList(pool(tokenStates(store, ids, mask, training), mask));
  }

  /** The attended tokens of a batch's longest packed row, at least 1. */
  private static long longest(NDArray packed) {
    return Math.max(1, packed.get(":, 1, :").sum(new int[] {1}).max().getLong());
  }

  /** Layers from {@link #firstLayer} on, over states from {@link #prefixStates}, then pooling. */
  private NDArray resume(ParameterStore store, NDArray prefix, boolean training) {
    int hidden = config.hidden();
    if (prefix.getShape().dimension() != 3 || prefix.getShape().get(2) != hidden + 1) {
      throw new IllegalArgumentException("after startAt(" + firstLayer + ") the model reads rows of"
          + " prefixStates (batch, length, " + (hidden + 1) + "), got " + prefix.getShape());
    }
    NDArray mask = prefix.get(":, :, {}", hidden);
    long longest = Math.max(1, (long) mask.sum(new int[] {1}).max().getFloat());
    mask = mask.get(":, :{}", longest);
    NDArray states = prefix.get(":, :{}, :{}", longest, hidden);
    states = encoder.encode(store, states, attentionBias(mask, states), firstLayer, config.layers(), training);
    return pool(states, mask);
  }

  private NDArray tokenStates(ParameterStore store, NDArray ids, NDArray mask, boolean training) {
    NDArray states = embeddings.embed(store, ids, mask, training);
    return encoder.encode(store, states, attentionBias(mask, states), 0, config.layers(), training);
  }

  /** Additive attention mask (batch, 1, 1, length): 0 where attended, a large negative elsewhere. */
  private static NDArray attentionBias(NDArray mask, NDArray states) {
    NDManager manager = states.getManager();
    return mask.toType(states.getDataType(), false).neg().add(manager.create(1f))
        .mul(manager.create(MASKED)).expandDims(1).expandDims(1);
  }

  /** The sentence vector (batch, hidden) of token states, as {@link #pooling} says. */
  private NDArray pool(NDArray states, NDArray mask) {
    NDArray pooled;
    if (pooling.mode() == Pooling.Mode.CLS) {
      pooled = states.get(":, 0, :");
    } else {
      NDArray weights = mask.toType(states.getDataType(), false).expandDims(-1);
      NDArray counts = weights.sum(new int[] {1}).maximum(states.getManager().create(1f));
      pooled = states.mul(weights).sum(new int[] {1}).div(counts);
    }
    // torch.nn.functional.normalize(p=2, dim=1, eps=1e-12), as sentence-transformers' Normalize.
    return pooling.normalize() ? pooled.normalize(2, 1, 1e-12) : pooled;
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return pooling == null
        ? new Shape[] {inputShapes[0].add(config.hidden())}
        : new Shape[] {new Shape(inputShapes[0].get(0), config.hidden())};
  }

  /** Builds a {@link BertModel}. */
  public static final class Builder {
    private BertConfig config;
    private Pooling pooling;

    private Builder() {}

    /** The model's sizes and layout (required). */
    public Builder setConfig(BertConfig config) {
      this.config = config;
      return this;
    }

    /** Makes the model read packed rows and return sentence features pooled so (default: token states). */
    public Builder optPooling(Pooling pooling) {
      this.pooling = pooling;
      return this;
    }

    /** The model without weights; the encoders' readers set them. */
    public BertModel build() {
      if (config == null) {
        throw new IllegalStateException("setConfig is required");
      }
      return new BertModel(this);
    }
  }

  // ---- the computation, shared by the three layouts ----

  private static NDArray layerNorm(ParameterStore store, BertConfig config, NDArray x, Parameter gamma,
      Parameter beta, boolean training) {
    return LayerNorm.layerNorm(x, new Shape(config.hidden()), store.getValue(gamma, x.getDevice(), training),
        store.getValue(beta, x.getDevice(), training), config.layerNormEps()).singletonOrThrow();
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

  /**
   * Scaled dot-product self-attention over the projections of {@code x} by the three layers;
   * returns the heads' contexts side by side (batch, length, hidden), before the output projection.
   */
  private static NDArray attend(ParameterStore store, BertConfig config, Linear query, Linear key,
      Linear value, NDArray x, NDArray bias, boolean training) {
    NDArray q = heads(config, dense(store, query, x, training));
    NDArray k = heads(config, dense(store, key, x, training));
    NDArray v = heads(config, dense(store, value, x, training));
    NDManager manager = x.getManager();
    NDArray scores = q.matMul(k.transpose(0, 1, 3, 2))
        .mul(manager.create((float) (1 / Math.sqrt(config.headSize())))).add(bias);
    NDArray context = scores.softmax(-1).matMul(v); // (batch, heads, length, size)
    Shape shape = x.getShape();
    return context.transpose(0, 2, 1, 3).reshape(shape.get(0), shape.get(1), config.hidden());
  }

  private static NDArray heads(BertConfig config, NDArray x) {
    Shape shape = x.getShape();
    return x.reshape(shape.get(0), shape.get(1), config.heads(), config.headSize()).transpose(0, 2, 1, 3);
  }

  /**
   * The feed-forward activation. Scalars are arrays of the step's manager, never {@code
   * mul(Number)}: autograd keeps them (docs/DESIGN.md §7).
   */
  static NDArray activate(BertConfig config, NDArray x) {
    NDManager manager = x.getManager();
    return switch (config.activation()) {
      case GELU -> Activation.gelu(x);
      case RELU -> Activation.relu(x);
      case SILU -> x.mul(Activation.sigmoid(x));
      case QUICK_GELU -> x.mul(Activation.sigmoid(x.mul(manager.create(1.702f))));
      case GELU_TANH -> {
        // 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))
        NDArray inner = x.add(x.pow(manager.create(3f)).mul(manager.create(0.044715f)))
            .mul(manager.create((float) Math.sqrt(2 / Math.PI)));
        yield x.mul(manager.create(0.5f)).mul(inner.tanh().add(manager.create(1f)));
      }
    };
  }

  // ---- the block tree: containers that give each parameter its Hugging Face path ----

  /** A container whose forward is its owner's; it only gives the tree its Hugging Face path. */
  private abstract static class Part extends AbstractBlock {
    final BertConfig config;
    final Map<Parameter, Shape> shapes;

    Part(BertConfig config, Map<Parameter, Shape> shapes) {
      super(VERSION);
      this.config = config;
      this.shapes = shapes;
    }

    /** A parameter of this part, such as {@code LayerNorm.weight}, of the given shape. */
    Parameter parameter(String name, Parameter.Type type, long... shape) {
      Parameter parameter = addParameter(Parameter.builder().setName(name).setType(type).build());
      shapes.put(parameter, new Shape(shape));
      return parameter;
    }

    /** A linear child from {@code in} to {@code out} features. */
    Linear linear(String name, long in, long out) {
      Linear layer = addChildBlock(name, Linear.builder().setUnits(out).build());
      shapes.put(layer.getParameters().get("weight"), new Shape(out, in));
      shapes.put(layer.getParameters().get("bias"), new Shape(out));
      return layer;
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

  /** Word, position and (but in DistilBERT) token-type embeddings, then LayerNorm. */
  private static final class Embeddings extends Part {
    private final Parameter words;
    private final Parameter positions;
    private final Parameter types;
    private final Parameter gamma;
    private final Parameter beta;

    Embeddings(BertConfig config, Map<Parameter, Shape> shapes) {
      super(config, shapes);
      words = parameter("word_embeddings.weight", Parameter.Type.WEIGHT, config.vocab(), config.hidden());
      positions = parameter("position_embeddings.weight", Parameter.Type.WEIGHT,
          config.maxPositions(), config.hidden());
      types = config.typeVocab() == 0 ? null : parameter("token_type_embeddings.weight",
          Parameter.Type.WEIGHT, config.typeVocab(), config.hidden());
      gamma = parameter("LayerNorm.weight", Parameter.Type.GAMMA, config.hidden());
      beta = parameter("LayerNorm.bias", Parameter.Type.BETA, config.hidden());
    }

    /** Every token has token type 0: the encoders read single texts. */
    NDArray embed(ParameterStore store, NDArray ids, NDArray mask, boolean training) {
      NDManager manager = ids.getManager();
      long batch = ids.getShape().get(0);
      long length = ids.getShape().get(1);
      NDArray word = rows(store, words, ids.flatten(), training).reshape(batch, length, config.hidden());
      NDArray sum;
      if (config.layout() == Layout.ROBERTA) {
        // create_position_ids_from_input_ids, from the mask rather than the ids: a tokenizer may pad
        // with another id than pad_token_id.
        NDArray attended = mask.toType(DataType.INT64, false);
        NDArray positionIds = attended.cumSum(1).mul(attended).add(manager.create((long) config.padTokenId()));
        NDArray position = rows(store, positions, positionIds.flatten(), training);
        sum = word.add(position.reshape(batch, length, config.hidden()));
      } else {
        NDArray position = rows(store, positions, manager.arange(length).toType(DataType.INT64, false), training);
        sum = word.add(position.expandDims(0));
      }
      if (types != null) {
        NDArray type = rows(store, types, manager.zeros(new Shape(1), DataType.INT64), training);
        sum = sum.add(type.expandDims(0));
      }
      return layerNorm(store, config, sum, gamma, beta, training);
    }

    /** Rows of an embedding table, owned by the step (docs/DESIGN.md §7: results belong to the first operand). */
    private static NDArray rows(ParameterStore store, Parameter table, NDArray ids, boolean training) {
      NDArray rows = store.getValue(table, ids.getDevice(), training).get(ids);
      rows.attach(ids.getManager());
      return rows;
    }
  }

  /** One transformer layer: attention, then the feed-forward block, each with residual and LayerNorm. */
  private interface TransformerLayer {
    NDArray apply(ParameterStore store, NDArray x, NDArray bias, boolean training);
  }

  /** {@code encoder} (DistilBERT: {@code transformer}), whose {@code layer} holds "0", "1", …. */
  private static final class Encoder extends Part {
    private final Layers layer;

    Encoder(BertConfig config, Map<Parameter, Shape> shapes) {
      super(config, shapes);
      layer = addChildBlock("layer", new Layers(config, shapes));
    }

    /** Runs layers {@code from} (inclusive) to {@code to} (exclusive). */
    NDArray encode(ParameterStore store, NDArray states, NDArray bias, int from, int to, boolean training) {
      List<Block> layers = layer.getChildren().values();
      for (int i = from; i < to; i++) {
        states = ((TransformerLayer) layers.get(i)).apply(store, states, bias, training);
      }
      return states;
    }
  }

  private static final class Layers extends Part {
    Layers(BertConfig config, Map<Parameter, Shape> shapes) {
      super(config, shapes);
      for (int i = 0; i < config.layers(); i++) {
        addChildBlock(Integer.toString(i), config.layout() == Layout.DISTILBERT
            ? new DistilLayer(config, shapes) : new BertLayer(config, shapes));
      }
    }
  }

  // BERT and RoBERTa: encoder.layer.N.{attention.{self.{query,key,value},output.{dense,LayerNorm}},
  // intermediate.dense, output.{dense,LayerNorm}}.

  private static final class BertLayer extends Part implements TransformerLayer {
    private final Attention attention;
    private final Intermediate intermediate;
    private final ResidualOutput output;

    BertLayer(BertConfig config, Map<Parameter, Shape> shapes) {
      super(config, shapes);
      attention = addChildBlock("attention", new Attention(config, shapes));
      intermediate = addChildBlock("intermediate", new Intermediate(config, shapes));
      output = addChildBlock("output", new ResidualOutput(config, shapes, config.intermediate()));
    }

    @Override
    public NDArray apply(ParameterStore store, NDArray x, NDArray bias, boolean training) {
      NDArray attended = attention.apply(store, x, bias, training);
      return output.apply(store, intermediate.apply(store, attended, training), attended, training);
    }
  }

  private static final class Attention extends Part {
    private final SelfAttention self;
    private final ResidualOutput output;

    Attention(BertConfig config, Map<Parameter, Shape> shapes) {
      super(config, shapes);
      self = addChildBlock("self", new SelfAttention(config, shapes));
      output = addChildBlock("output", new ResidualOutput(config, shapes, config.hidden()));
    }

    NDArray apply(ParameterStore store, NDArray x, NDArray bias, boolean training) {
      return output.apply(store, self.apply(store, x, bias, training), x, training);
    }
  }

  private static final class SelfAttention extends Part {
    Linear query;
    Linear key;
    Linear value;

    SelfAttention(BertConfig config, Map<Parameter, Shape> shapes) {
      super(config, shapes);
      query = linear("query", config.hidden(), config.hidden());
      key = linear("key", config.hidden(), config.hidden());
      value = linear("value", config.hidden(), config.hidden());
    }

    NDArray apply(ParameterStore store, NDArray x, NDArray bias, boolean training) {
      return attend(store, config, query, key, value, x, bias, training);
    }
  }

  /**
   * {@code LayerNorm(dense(x) + residual)}: BERT's {@code attention.output} and {@code output}, which
   * differ only in where they sit and what they read.
   */
  private static final class ResidualOutput extends Part {
    Linear dense;
    private final Parameter gamma;
    private final Parameter beta;

    ResidualOutput(BertConfig config, Map<Parameter, Shape> shapes, long in) {
      super(config, shapes);
      dense = linear("dense", in, config.hidden());
      gamma = parameter("LayerNorm.weight", Parameter.Type.GAMMA, config.hidden());
      beta = parameter("LayerNorm.bias", Parameter.Type.BETA, config.hidden());
    }

    NDArray apply(ParameterStore store, NDArray x, NDArray residual, boolean training) {
      NDArray projected = BertModel.dense(store, dense, x, training);
      return layerNorm(store, config, projected.add(residual), gamma, beta, training);
    }
  }

  private static final class Intermediate extends Part {
    Linear dense;

    Intermediate(BertConfig config, Map<Parameter, Shape> shapes) {
      super(config, shapes);
      dense = linear("dense", config.hidden(), config.intermediate());
    }

    NDArray apply(ParameterStore store, NDArray x, boolean training) {
      return activate(config, BertModel.dense(store, dense, x, training));
    }
  }

  // DistilBERT: transformer.layer.N.{attention.{q_lin,k_lin,v_lin,out_lin}, sa_layer_norm,
  // ffn.{lin1,lin2}, output_layer_norm}; the same computation under other names.

  private static final class DistilLayer extends Part implements TransformerLayer {
    private final MultiHeadSelfAttention attention;
    private final Parameter attentionGamma;
    private final Parameter attentionBeta;
    private final FeedForward ffn;
    private final Parameter outputGamma;
    private final Parameter outputBeta;

    DistilLayer(BertConfig config, Map<Parameter, Shape> shapes) {
      super(config, shapes);
      attention = addChildBlock("attention", new MultiHeadSelfAttention(config, shapes));
      attentionGamma = parameter("sa_layer_norm.weight", Parameter.Type.GAMMA, config.hidden());
      attentionBeta = parameter("sa_layer_norm.bias", Parameter.Type.BETA, config.hidden());
      ffn = addChildBlock("ffn", new FeedForward(config, shapes));
      outputGamma = parameter("output_layer_norm.weight", Parameter.Type.GAMMA, config.hidden());
      outputBeta = parameter("output_layer_norm.bias", Parameter.Type.BETA, config.hidden());
    }

    @Override
    public NDArray apply(ParameterStore store, NDArray x, NDArray bias, boolean training) {
      NDArray attended = layerNorm(store, config, attention.apply(store, x, bias, training).add(x),
          attentionGamma, attentionBeta, training);
      return layerNorm(store, config, ffn.apply(store, attended, training).add(attended),
          outputGamma, outputBeta, training);
    }
  }

  private static final class MultiHeadSelfAttention extends Part {
    Linear qLin;
    Linear kLin;
    Linear vLin;
    Linear outLin;

    MultiHeadSelfAttention(BertConfig config, Map<Parameter, Shape> shapes) {
      super(config, shapes);
      qLin = linear("q_lin", config.hidden(), config.hidden());
      kLin = linear("k_lin", config.hidden(), config.hidden());
      vLin = linear("v_lin", config.hidden(), config.hidden());
      outLin = linear("out_lin", config.hidden(), config.hidden());
    }

    NDArray apply(ParameterStore store, NDArray x, NDArray bias, boolean training) {
      return dense(store, outLin, attend(store, config, qLin, kLin, vLin, x, bias, training), training);
    }
  }

  private static final class FeedForward extends Part {
    Linear lin1;
    Linear lin2;

    FeedForward(BertConfig config, Map<Parameter, Shape> shapes) {
      super(config, shapes);
      lin1 = linear("lin1", config.hidden(), config.intermediate());
      lin2 = linear("lin2", config.intermediate(), config.hidden());
    }

    NDArray apply(ParameterStore store, NDArray x, boolean training) {
      return dense(store, lin2, activate(config, dense(store, lin1, x, training)), training);
    }
  }
}
