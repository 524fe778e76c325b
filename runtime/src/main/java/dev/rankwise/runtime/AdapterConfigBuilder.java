package dev.rankwise.runtime;

/**
 * What the builders of every adapter config share: the scaling numerator and the input dropout,
 * with the DSL's defaults (DJL's optimizer builders share their options the same way).
 *
 * @param <T> the concrete builder
 */
public abstract class AdapterConfigBuilder<T extends AdapterConfigBuilder<T>> {

  /** Scaling numerator; 0 means the kind's natural default. */
  protected double alpha;

  /** Input dropout probability while training. */
  protected double dropout;

  /** Sets the scaling numerator; the default 0 makes the scaling 1. */
  public T optAlpha(double alpha) {
    this.alpha = alpha;
    return self();
  }

  /** Sets the input dropout probability; default 0. */
  public T optDropout(double dropout) {
    this.dropout = dropout;
    return self();
  }

  /** This builder. */
  protected abstract T self();
}
