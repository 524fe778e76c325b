package dev.rankwise.samples;

import dev.rankwise.samples.multitask.MultiTaskComparison;
import dev.rankwise.samples.quickstart.QuickStart;

/**
 * The README's main job, for now: the quick start (one task, two declarations), then the
 * multi-task comparison of the paper's methods on a synthetic problem.
 */
public final class Demo {

  private Demo() {}

  /** Runs both samples; the optional argument is the quick start's output directory. */
  public static void main(String[] args) throws Exception {
    QuickStart.main(args);
    System.out.println();
    MultiTaskComparison.main(new String[0]);
  }
}
