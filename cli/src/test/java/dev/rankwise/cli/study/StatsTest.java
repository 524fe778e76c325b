package dev.rankwise.cli.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StatsTest {

  @Test
  void meanAndStudentTInterval() {
    // mean 3, sample sd sqrt(2.5), n 5: half-width 2.776 * sqrt(2.5) / sqrt(5).
    Stats.Summary summary = Stats.of(new double[] {1, 2, 3, 4, 5});
    assertEquals(3, summary.mean(), 1e-12);
    assertEquals(2.776 * Math.sqrt(2.5) / Math.sqrt(5), summary.halfWidth(), 1e-9);
    assertEquals("3.000 ± 1.963", summary.format());
    assertTrue(Double.isNaN(Stats.of(new double[] {0.5}).halfWidth()));
    assertEquals(1.96, Stats.t975(100), 0);
    assertThrows(IllegalArgumentException.class, () -> Stats.of(new double[0]));
  }

  @Test
  void verdictsFollowTheIntervalOfThePairedDifferences() {
    assertEquals("supported", Stats.verdict(new Stats.Summary(5, 0.02, 0.01)));
    assertEquals("not supported (the reference is better)", Stats.verdict(new Stats.Summary(5, -0.02, 0.01)));
    assertEquals("not supported (any difference is under half a point)",
        Stats.verdict(new Stats.Summary(5, 0.001, 0.003)));
    assertEquals("inconclusive", Stats.verdict(new Stats.Summary(5, 0.004, 0.01)));
    assertEquals("inconclusive (one seed)", Stats.verdict(Stats.of(new double[] {0.3})));
    assertEquals("+2.0 [+1.0, +3.0]", new Stats.Summary(5, 0.02, 0.01).formatPoints());
  }
}
