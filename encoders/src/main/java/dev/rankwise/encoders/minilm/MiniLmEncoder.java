package dev.rankwise.encoders.minilm;

import ai.djl.ndarray.NDManager;
import dev.rankwise.runtime.infer.TextEncoder;
import java.io.IOException;

/**
 * all-MiniLM-L6-v2 as a sentence encoder for task adapters: its weights read once from the model's
 * Maven artifact, a fresh {@link MiniLm} in sentence mode for each model that adapters attach to,
 * and its tokenizer. {@code TaskClassifier.load(folder, encoder)} serves adapters trained on it.
 */
public final class MiniLmEncoder implements TextEncoder, AutoCloseable {

  /** The model's Hugging Face id, saved with adapters trained on it. */
  public static final String NAME = "sentence-transformers/all-MiniLM-L6-v2";

  private final OnnxWeights weights;
  private final MiniLmTokenizer tokenizer;

  private MiniLmEncoder(OnnxWeights weights, MiniLmTokenizer tokenizer) {
    this.weights = weights;
    this.tokenizer = tokenizer;
  }

  /**
   * Reads the weights and the tokenizer.
   *
   * @param maxLength tokens per text, [CLS] and [SEP] included
   * @throws IOException if the model's artifact is missing from the class path
   */
  public static MiniLmEncoder create(int maxLength) throws IOException {
    OnnxWeights weights = OnnxWeights.readMiniLm();
    return new MiniLmEncoder(weights, MiniLmTokenizer.create(maxLength));
  }

  @Override
  public String name() {
    return NAME;
  }

  /** A fresh pretrained model in sentence mode: packed rows to (rows, 384) features. */
  @Override
  public MiniLm newBlock(NDManager manager) throws IOException {
    return MiniLm.load(weights, manager, MiniLm.Output.SENTENCE);
  }

  @Override
  public long features() {
    return MiniLm.HIDDEN;
  }

  /** The tokenizer, truncating to the {@code maxLength} given at creation. */
  @Override
  public MiniLmTokenizer inputs() {
    return tokenizer;
  }

  /** Closes the tokenizer. */
  @Override
  public void close() {
    tokenizer.close();
  }
}
