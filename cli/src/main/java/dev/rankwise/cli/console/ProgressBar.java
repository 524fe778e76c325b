package dev.rankwise.cli.console;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A progress bar for long work: on a terminal one line redrawn in place, such as {@code train
 * [=========>          ] 240/500  loss 0.4312  18.4 steps/s  ETA 0:14}; elsewhere (CI, log files)
 * one plain line every tenth of the work, so logs stay readable.
 */
public final class ProgressBar {

  private static final int WIDTH = 24;
  private static final double SMOOTHING = 0.1;

  private final String label;
  private final String unit;
  private final long total;
  private final PrintStream out;
  private final boolean terminal;
  private final LongSupplier nanoClock;
  private final long startNanos;
  private long lastNanos;
  private long lastDone;
  private double secondsPerStep = Double.NaN;
  private int lastDecile;

  /**
   * Creates a progress bar.
   *
   * @param label what is progressing, such as {@code train}
   * @param total units of work
   * @param out where to draw
   * @param terminal redraw one line in place (true) or print a line per tenth (false)
   * @param nanoClock the clock, {@code System::nanoTime} outside tests
   */
  public ProgressBar(String label, long total, PrintStream out, boolean terminal, LongSupplier nanoClock) {
    this(label, "steps", total, out, terminal, nanoClock);
  }

  /**
   * Creates a progress bar whose rate counts {@code unit}, such as {@code texts}.
   *
   * @see #ProgressBar(String, long, PrintStream, boolean, LongSupplier)
   */
  public ProgressBar(
      String label, String unit, long total, PrintStream out, boolean terminal, LongSupplier nanoClock) {
    if (total < 1) {
      throw new IllegalArgumentException("total must be at least 1, got " + total);
    }
    this.label = label;
    this.unit = unit;
    this.total = total;
    this.out = out;
    this.terminal = terminal;
    this.nanoClock = nanoClock;
    this.startNanos = nanoClock.getAsLong();
    this.lastNanos = startNanos;
  }

  /** A bar on standard error that redraws in place when standard error is a terminal. */
  public static ProgressBar onStandardError(String label, long total) {
    return onStandardError(label, "steps", total);
  }

  /** A bar on standard error whose rate counts {@code unit}, such as {@code texts}. */
  public static ProgressBar onStandardError(String label, String unit, long total) {
    return new ProgressBar(label, unit, total, System.err, System.console() != null, System::nanoTime);
  }

  /**
   * Records progress.
   *
   * @param done units done so far
   * @param metrics what to show after the counts, such as {@code loss 0.4312}
   */
  public void update(long done, String metrics) {
    long now = nanoClock.getAsLong();
    if (done > lastDone) {
      double perStep = (now - lastNanos) / 1e9 / (done - lastDone);
      secondsPerStep = Double.isNaN(secondsPerStep)
          ? perStep
          : SMOOTHING * perStep + (1 - SMOOTHING) * secondsPerStep;
      lastNanos = now;
      lastDone = done;
    }
    if (terminal) {
      out.print("\r" + line(done, metrics));
      out.flush();
    } else {
      int decile = (int) (10 * done / total);
      if (decile > lastDecile || done == total) {
        lastDecile = decile;
        out.println(line(done, metrics));
      }
    }
  }

  /** Prints a line of its own under the bar (the bar is drawn again by the next update). */
  public void note(String line) {
    out.println(terminal ? "\r" + line + " ".repeat(8) : line);
    out.flush();
  }

  /** Ends the bar with the final counts, the elapsed time and the metrics. */
  public void finish(String metrics) {
    double seconds = (nanoClock.getAsLong() - startNanos) / 1e9;
    String summary = String.format(Locale.ROOT, "%s done: %d/%d in %s  %s",
        label, lastDone, total, clock(seconds), metrics).stripTrailing();
    out.println(terminal ? "\r" + summary + " ".repeat(8) : summary);
    out.flush();
  }

  /** The line for {@code done} units, without redraw control characters. */
  String line(long done, String metrics) {
    int filled = (int) (WIDTH * done / total);
    StringBuilder bar = new StringBuilder(WIDTH);
    for (int i = 0; i < WIDTH; i++) {
      bar.append(i < filled ? '=' : i == filled ? '>' : ' ');
    }
    String rate = Double.isNaN(secondsPerStep) || secondsPerStep <= 0
        ? "-- " + unit + "/s"
        : String.format(Locale.ROOT, "%.1f %s/s", 1 / secondsPerStep, unit);
    String eta = Double.isNaN(secondsPerStep) ? "--:--" : clock(secondsPerStep * (total - done));
    return String.format(Locale.ROOT, "%s [%s] %d/%d  %s%s  ETA %s",
        label, bar, done, total, metrics.isEmpty() ? "" : metrics + "  ", rate, eta);
  }

  private static String clock(double seconds) {
    long whole = Math.round(seconds);
    return whole >= 3600
        ? String.format(Locale.ROOT, "%d:%02d:%02d", whole / 3600, whole / 60 % 60, whole % 60)
        : String.format(Locale.ROOT, "%d:%02d", whole / 60, whole % 60);
  }
}
