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
    this(step, "training stopped at step " + step + ": the " + what + " is " + value
        + "; no weight was updated by this step (lower the learning rate or check the data)");
  }

  private NonFiniteLossException(int step, String message) {
    super(message);
    this.step = step;
  }

  /** Training stopped because the last {@code skipped} steps were all skipped for non-finite values. */
  static NonFiniteLossException tooManySkipped(int step, java.util.List<Integer> skipped, String last) {
    return new NonFiniteLossException(step, "training stopped at step " + step + ": " + skipped.size()
        + " batches in a row had a non-finite loss or gradient (steps " + skipped + "); the last: " + last);
  }

  /** The 1-based step whose loss or gradient was not finite. */
  public int step() {
    return step;
  }
}
