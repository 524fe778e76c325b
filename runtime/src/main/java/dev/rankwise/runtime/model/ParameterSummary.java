package dev.rankwise.runtime.model;

import java.util.Locale;

/**
 * Trainable and total parameter counts of an adapted model.
 *
 * @param trainable parameters that train (the adapters)
 * @param all every parameter, frozen base included
 */
public record ParameterSummary(long trainable, long all) {

  /** Trainable share in percent. */
  public double trainablePercent() {
    return all == 0 ? 0 : 100.0 * trainable / all;
  }

  /** The line PEFT prints: {@code trainable params: 75,268 || all params: 22,640,644 || trainable%: 0.3324}. */
  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "trainable params: %,d || all params: %,d || trainable%%: %.4f",
        trainable,
        all,
        trainablePercent());
  }
}
