package dev.rankwise.runtime.train;

/**
 * Training stopped because a loss or gradient norm was NaN or infinite. The step that produced it
 * changed no weight.
 */
public final class NonFiniteLossException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final int step;

  /**
   * Creates the exception.
   *
   * @param step the 1-based step whose loss or gradient was not finite
   * @param what which value, such as {@code "loss"} or {@code "gradient norm"}
   * @param value the value
   */
  public NonFiniteLossException(int step, String what, double value) {
    super("training stopped at step " + step + ": the " + what + " is " + value
        + "; no weight was updated by this step (lower the learning rate or check the data)");
    this.step = step;
  }

  /** The 1-based step whose loss or gradient was not finite. */
  public int step() {
    return step;
  }
}
