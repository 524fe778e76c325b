package dev.rankwise.cli.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rankwise.cli.job.Placement;
import dev.rankwise.runtime.train.TaskMetrics;
import dev.rankwise.runtime.train.TrainingConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** The fair test's grid: its order, its tuning rule and its runs' settings (issue 20). */
class TunedGridTest {

  private static final String BASE = "bge-small-en-v1.5";

  @Test
  void tuningRunsComeFirstThenFinalRunsSeedBySeedForEachBaseAndPlacement() {
    List<Cell> cells = TunedGrid.cells(List.of("all-MiniLM-L6-v2", BASE), List.of(Placement.TOP_TWO,
        Placement.EVERY_LAYER), 5);
    int perRate = StudyGrid.CLAIM_1_TASKS.size() * TunedGrid.CLAIM_1_METHODS.size() + TunedGrid.CLAIM_2_METHODS.size();
    int perGroup = perRate * (TunedGrid.LEARNING_RATES.size() + 5);
    assertEquals(2 * 2 * perGroup, cells.size());
    assertEquals(cells.size(), cells.stream().map(Cell::id).distinct().count(), "ids are unique");
    List<Cell> first = cells.subList(0, perGroup);
    assertTrue(first.stream().allMatch(cell -> cell.base().equals("all-MiniLM-L6-v2")
        && cell.placement().equals("top-two")));
    assertTrue(first.subList(0, perRate * 4).stream().allMatch(cell -> cell.tuning() && cell.seed() == 0));
    assertTrue(first.subList(perRate * 4, perGroup).stream().noneMatch(Cell::tuning));
    assertEquals(List.of(0L, 1L, 2L, 3L, 4L), first.subList(perRate * 4, perGroup).stream().map(Cell::seed)
        .distinct().toList(), "final runs seed by seed: a grid stopped early holds complete pairs");
    assertEquals("claim1/lora-8/spam/all-MiniLM-L6-v2/top-two/lr=0.001/seed=0", cells.get(0).id());
    assertEquals("claim1/lora-8/spam/seed=2", new Cell("claim1", "lora-8", List.of("spam"), 2).id(),
        "the first study's ids are unchanged");
    assertTrue(TunedGrid.LEARNING_RATES.size() >= 4);
    double decades = Math.log10(TunedGrid.LEARNING_RATES.get(TunedGrid.LEARNING_RATES.size() - 1)
        / TunedGrid.LEARNING_RATES.get(0));
    assertEquals(1.5, decades, 0.05, "rates across about 1.5 decades");
  }

  @Test
  void runsOnlyEachVerdictsPair() {
    assertTrue(TunedGrid.runsMethodOf(new Cell(StudyGrid.CLAIM_1, "decomposed-8x8", List.of("spam"), 1, BASE,
        "top-two", 0)));
    assertFalse(TunedGrid.runsMethodOf(new Cell(StudyGrid.CLAIM_1, "decomposed-4x12", List.of("spam"), 1, BASE,
        "top-two", 0)), "a split of the ranks decides no verdict");
    assertTrue(TunedGrid.runsMethodOf(new Cell(StudyGrid.CLAIM_2, "rank-experts", StudyGrid.ALL_TASKS, 0, BASE,
        "top-two", 1e-3)));
    assertFalse(TunedGrid.runsMethodOf(new Cell(StudyGrid.CLAIM_2, "per-task-lora", StudyGrid.ALL_TASKS, 0, BASE,
        "top-two", 1e-3)));
  }

  @Test
  void aFinalRunWaitsForEveryTuningRunAndTakesTheBestMeanValidationAccuracy() {
    Cell last = new Cell(StudyGrid.CLAIM_1, "lora-8", List.of("grain"), 3, BASE, "top-two", 0);
    Map<String, RunRecord> done = new HashMap<>();
    // Validation accuracy by rate and task: 3e-3 is best on the mean though not on every task.
    double[][] accuracy = {{0.80, 0.70, 0.90}, {0.85, 0.80, 0.88}, {0.90, 0.60, 0.89}, {0.50, 0.50, 0.50}};
    for (int r = 0; r < TunedGrid.LEARNING_RATES.size(); r++) {
      for (int t = 0; t < StudyGrid.CLAIM_1_TASKS.size(); t++) {
        assertTrue(TunedGrid.plan(last, done).isEmpty(), "waits while a tuning run is missing");
        String task = StudyGrid.CLAIM_1_TASKS.get(t);
        Cell tuning = new Cell(StudyGrid.CLAIM_1, "lora-8", List.of(task), 0, BASE, "top-two",
            TunedGrid.LEARNING_RATES.get(r));
        done.put(tuning.id(), new RunRecord(tuning, 1, 1, 0, 1, Map.of(task, new TaskMetrics(task, 0.1,
            accuracy[r][t], accuracy[r][t], accuracy[r][t])), TunedGrid.LEARNING_RATES.get(r)));
      }
    }
    assertEquals(OptionalDouble.of(3e-3), TunedGrid.tunedRate(last, done));
    RunPlan plan = TunedGrid.plan(last, done).orElseThrow();
    assertEquals(3e-3, plan.config().learningRate());
    assertFalse(plan.scoreOnValidation(), "the final run reads the test rows, once");
    assertEquals(BASE, plan.base());
    assertEquals(Placement.TOP_TWO, plan.placement());

    Cell other = new Cell(StudyGrid.CLAIM_1, "decomposed-8x8", List.of("grain"), 3, BASE, "top-two", 0);
    assertTrue(TunedGrid.plan(other, done).isEmpty(), "another method's tuning runs are its own");
  }

  @Test
  void everyRunTrainsToConvergenceUnderTheSameRule() {
    Cell single = new Cell(StudyGrid.CLAIM_1, "lora-8", List.of("spam"), 0, BASE, "every-layer", 1e-2);
    Cell multi = new Cell(StudyGrid.CLAIM_2, "rank-experts", StudyGrid.ALL_TASKS, 0, BASE, "every-layer", 1e-2);
    for (Cell cell : List.of(single, multi)) {
      RunPlan plan = TunedGrid.plan(cell, Map.of()).orElseThrow();
      TrainingConfig config = plan.config();
      assertTrue(plan.scoreOnValidation(), "a tuning run is scored on validation rows");
      assertEquals(1e-2, config.learningRate());
      assertEquals(TunedGrid.MAX_EPOCHS, config.epochs());
      assertEquals(TunedGrid.PATIENCE, config.patience());
      assertTrue(config.keepBest());
      assertEquals(TaskMetrics.Metric.ACCURACY, config.bestMetric());
      assertEquals(Placement.EVERY_LAYER, plan.placement());
      assertEquals(0.2, plan.validationFraction());
    }
    // An epoch is a pass over a task's 1,200 training rows: 32 rows a step alone, 8 each of four together.
    assertEquals(38, TunedGrid.plan(single, Map.of()).orElseThrow().config().evaluateEvery());
    assertEquals(150, TunedGrid.plan(multi, Map.of()).orElseThrow().config().evaluateEvery());
  }
}
