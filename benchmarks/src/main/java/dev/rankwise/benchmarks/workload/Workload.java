package dev.rankwise.benchmarks.workload;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import dev.rankwise.encoders.bert.BertEncoder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Random;

/**
 * A model and batch the benchmarks run: the main job's all-MiniLM-L6-v2 on 16 rows of 64 tokens,
 * or a synthetic stack of eight 1024 × 1024 linear layers on 16 × 64 rows of 1024 values. Inputs
 * and labels are drawn from a fixed seed, so every run and the PyTorch reference see the same batch.
 */
public enum Workload {

  /** all-MiniLM-L6-v2, sentence mode: packed (16, 2, 64) token ids and mask to (16, 384) features. */
  MINILM("MiniLM 16×64") {
    @Override
    public Block newBase(NDManager manager) throws IOException {
      return minilm().newBlock(manager);
    }

    @Override
    public NDArray input(NDManager manager) {
      Random random = new Random(SEED);
      long[] packed = new long[BATCH * 2 * TOKENS];
      for (int row = 0; row < BATCH; row++) {
        for (int t = 0; t < TOKENS; t++) {
          // [CLS] first, [SEP] last, ordinary word pieces between; every position attended.
          long id = t == 0 ? 101 : t == TOKENS - 1 ? 102 : 1000 + random.nextInt(29_000);
          packed[(row * 2) * TOKENS + t] = id;
          packed[(row * 2 + 1) * TOKENS + t] = 1;
        }
      }
      return manager.create(packed, new Shape(BATCH, 2, TOKENS));
    }
  },

  /** Eight 1024 × 1024 linear layers with ReLU between, then the mean over the 64 tokens. */
  STACK("linear stack 8×1024², 16×64") {
    @Override
    public Block newBase(NDManager manager) {
      Engine.getInstance().setRandomSeed((int) SEED);
      return LinearStack.initialised(STACK_LAYERS, STACK_WIDTH, manager);
    }

    @Override
    public NDArray input(NDManager manager) {
      Random random = new Random(SEED);
      float[] values = new float[BATCH * TOKENS * STACK_WIDTH];
      for (int i = 0; i < values.length; i++) {
        values[i] = (float) random.nextGaussian();
      }
      return manager.create(values, new Shape(BATCH, TOKENS, STACK_WIDTH));
    }
  };

  /** Rows per batch. */
  public static final int BATCH = 16;

  /** Tokens per row. */
  public static final int TOKENS = 64;

  /** Layers of the synthetic stack. */
  public static final int STACK_LAYERS = 8;

  /** Width of the synthetic stack. */
  public static final int STACK_WIDTH = 1024;

  private static final long SEED = 42;
  private static BertEncoder minilm;

  private final String label;

  Workload(String label) {
    this.label = label;
  }

  /** The name in tables. */
  public String label() {
    return label;
  }

  /** Width of the features the model returns. */
  public long features() {
    return this == MINILM ? minilm().features() : STACK_WIDTH;
  }

  /** A fresh copy of the frozen base model, its weights in {@code manager}. */
  public abstract Block newBase(NDManager manager) throws IOException;

  /** The batch's input, the same on every call. */
  public abstract NDArray input(NDManager manager);

  /** The batch's labels (two classes), the same on every call. */
  public NDArray labels(NDManager manager) {
    Random random = new Random(SEED + 1);
    long[] labels = new long[BATCH];
    for (int i = 0; i < BATCH; i++) {
      labels[i] = random.nextInt(2);
    }
    return manager.create(labels).toType(DataType.INT64, false);
  }

  /**
   * all-MiniLM-L6-v2 as the main job runs it, its weights read once per JVM from the langchain4j
   * artifact and kept for the JVM's life (its tokenizer is never used: the batch is synthetic).
   */
  private static synchronized BertEncoder minilm() {
    if (minilm == null) {
      try {
        minilm = BertEncoder.allMiniLmL6V2(TOKENS);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return minilm;
  }
}
