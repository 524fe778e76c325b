package dev.rankwise.encoders.bert;

/**
 * How an encoder turns token states into one sentence vector, as its model was trained to
 * (sentence-transformers' {@code Pooling} and {@code Normalize} modules), and the text its inputs
 * start with (e5's {@code "query: "}). A model's features are only as good as the pooling matches
 * its training: bge-small-en-v1.5 was trained on its [CLS] state, e5 and MiniLM on the mean.
 *
 * @param mode which token states make the vector
 * @param normalize whether the vector is divided by its L2 norm
 * @param prefix prepended to every text before tokenizing; empty for none
 */
public record Pooling(Mode mode, boolean normalize, String prefix) {

  /** Which token states make the sentence vector. */
  public enum Mode {
    /** The mean of the attended tokens' states. */
    MEAN,
    /** The state of the first token ([CLS] or {@code <s>}), without BERT's pooler layer. */
    CLS
  }

  /** Validates the values. */
  public Pooling {
    if (mode == null) {
      throw new IllegalArgumentException("mode must be given");
    }
    if (prefix == null) {
      throw new IllegalArgumentException("prefix must not be null; use \"\" for none");
    }
  }

  /** The mean of the attended tokens' states, not normalised, no prefix. */
  public static Pooling mean() {
    return new Pooling(Mode.MEAN, false, "");
  }

  /** The first token's state, not normalised, no prefix. */
  public static Pooling cls() {
    return new Pooling(Mode.CLS, false, "");
  }

  /** This pooling, its vectors divided by their L2 norm. */
  public Pooling normalized() {
    return new Pooling(mode, true, prefix);
  }

  /** This pooling with every text prefixed by {@code prefix} before tokenizing. */
  public Pooling withPrefix(String prefix) {
    return new Pooling(mode, normalize, prefix);
  }
}
