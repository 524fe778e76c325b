package dev.rankwise.cli.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rankwise.runtime.train.TaskMetrics;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReproductionTest {

  private static final Cell CELL = new Cell(StudyGrid.CLAIM_1, "lora-8", List.of("spam"), 3, "all-MiniLM-L6-v2",
      "top-two", 0);

  private static RunRecord run(int steps, double loss, double accuracy) {
    return new RunRecord(CELL, 24576, steps, 0.02, 90, Map.of("spam", new TaskMetrics("spam", loss, accuracy, 0.9, 0.8)),
        1e-3);
  }

  @Test
  void theSameCountsReproduceAndTheLossDifferenceIsReported() {
    Reproduction same = new Reproduction(run(225, 0.1000, 0.957), run(225, 0.1003, 0.957));
    assertTrue(same.reproduced(), same.describe());
    assertEquals(3e-4, same.largestLossDifference(), 1e-12);
    assertTrue(same.describe().contains("Reproduced") && same.describe().contains("3.0e-04"), same.describe());
  }

  @Test
  void otherStepsOrAnotherAccuracyAreNamed() {
    Reproduction other = new Reproduction(run(225, 0.1, 0.957), run(224, 0.1, 0.95));
    assertFalse(other.reproduced());
    assertEquals(List.of("steps 225 recorded, 224 now", "spam accuracy 0.957 recorded, 0.95 now"),
        other.differences());
    assertTrue(other.describe().contains("Not reproduced: steps 225 recorded, 224 now; spam accuracy"),
        other.describe());
  }

  @Test
  void aFirstStudyRecordWithoutItsRateStandsForTheFirstStudysRate() {
    RunRecord recorded = new RunRecord(CELL, 24576, 38, 0.02, 90, run(38, 0.1, 0.957).metrics());
    RunRecord now = new RunRecord(CELL, 24576, 38, 0.02, 90, run(38, 0.1, 0.957).metrics(), StudyGrid.LEARNING_RATE);
    assertTrue(new Reproduction(recorded, now).reproduced(), new Reproduction(recorded, now).describe());
    RunRecord other = new RunRecord(CELL, 24576, 38, 0.02, 90, run(38, 0.1, 0.957).metrics(), 1e-3);
    assertEquals(List.of("learning rate 0.005 recorded, 0.001 now"), new Reproduction(recorded, other).differences());
  }

  @Test
  void anotherAdapterSizeOrARecordWithoutTasksDoesNotReproduce() {
    RunRecord wider = new RunRecord(CELL, 49152, 225, 0.02, 90, run(225, 0.1, 0.957).metrics(), 1e-3);
    assertEquals(List.of("adapter parameters 24576 recorded, 49152 now"),
        new Reproduction(run(225, 0.1, 0.957), wider).differences());
    RunRecord empty = new RunRecord(CELL, 24576, 225, 0.02, 90, Map.of(), 1e-3);
    assertFalse(new Reproduction(empty, empty).reproduced());
  }

  @Test
  void aTaskScoredOnOneSideOnlyIsNamed() {
    RunRecord grain = new RunRecord(CELL, 24576, 225, 0.02, 90,
        Map.of("grain", new TaskMetrics("grain", 0.1, 0.957, 0.9, 0.8)), 1e-3);
    assertEquals(List.of("spam: recorded, but not scored now", "grain: scored now, but not recorded"),
        new Reproduction(run(225, 0.1, 0.957), grain).differences());
  }
}
