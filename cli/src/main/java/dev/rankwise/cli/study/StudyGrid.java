package dev.rankwise.cli.study;

import dev.rankwise.cli.job.BaseModel;
import dev.rankwise.cli.job.Placement;
import dev.rankwise.cli.job.RunSettings;
import java.util.ArrayList;
import java.util.List;

/**
 * The study's grid, declared here: which methods run on which tasks with which seeds and at what
 * size. Seeds are the outer loop, so that a partial run holds complete pairs of methods.
 */
public final class StudyGrid {

  /** Claim 1: plain LoRA against the decomposed update, each task trained alone. */
  public static final String CLAIM_1 = "claim1";

  /** Claim 2: shared and per-task LoRA against task-routed rank experts, all tasks together. */
  public static final String CLAIM_2 = "claim2";

  /** Ablations of the rank experts, all tasks together. */
  public static final String ABLATIONS = "ablations";

  /** Claim 1's methods; the first is the reference. */
  public static final List<String> CLAIM_1_METHODS =
      List.of("lora-8", "decomposed-8x8", "decomposed-4x12", "decomposed-12x4");

  /** Claim 1's tasks (corn shares grain's texts, so it is left out of the single-task runs). */
  public static final List<String> CLAIM_1_TASKS = List.of("spam", "finefood", "grain");

  /** Claim 2's methods; the first is the reference. */
  public static final List<String> CLAIM_2_METHODS =
      List.of("shared-lora", "per-task-lora", "rank-experts", "rank-experts-adaptive");

  /** The ablations' methods; the reference is {@code rank-experts}, run in claim 2. */
  public static final List<String> ABLATION_METHODS = List.of("rank-experts-frozen-gates",
      "rank-experts-top1", "rank-experts-top2", "rank-experts-top5", "rank-experts-contrastive");

  /** All four tasks, trained together in claim 2 and the ablations. */
  public static final List<String> ALL_TASKS = List.of("spam", "finefood", "grain", "corn");

  /** The seed of the fixed data subsets. */
  public static final long DATA_SEED = 0;

  /** The peak learning rate of every run of this grid. */
  public static final double LEARNING_RATE = 5e-3;

  private StudyGrid() {}

  /** Every cell for seeds {@code 0 .. seeds-1}, seed by seed. */
  public static List<Cell> cells(int seeds) {
    if (seeds < 1) {
      throw new IllegalArgumentException("--seeds must be at least 1, got " + seeds);
    }
    List<Cell> cells = new ArrayList<>();
    for (long seed = 0; seed < seeds; seed++) {
      for (String task : CLAIM_1_TASKS) {
        for (String method : CLAIM_1_METHODS) {
          cells.add(new Cell(CLAIM_1, method, List.of(task), seed));
        }
      }
      for (String method : CLAIM_2_METHODS) {
        cells.add(new Cell(CLAIM_2, method, ALL_TASKS, seed));
      }
      for (String method : ABLATION_METHODS) {
        cells.add(new Cell(ABLATIONS, method, ALL_TASKS, seed));
      }
    }
    return cells;
  }

  /**
   * The size of a cell's run: single tasks train on 1,200 rows for one epoch (38 steps of 32 rows);
   * the multi-task runs on 600 rows per task for one epoch (75 steps of 8 rows per task); 96
   * tokens, AdamW 5e-3, all test rows.
   */
  public static RunSettings settings(Cell cell) {
    int rows = cell.tasks().size() == 1 ? 1200 : 600;
    return new RunSettings(rows, 0, 96, 1, 32, LEARNING_RATE, 300, cell.seed());
  }

  /** How a cell of this grid runs at {@code settings}: on all-MiniLM-L6-v2's top two layers, no validation. */
  public static RunPlan plan(RunSettings settings) {
    return new RunPlan(BaseModel.DEFAULT.name(), Placement.TOP_TWO, settings.trainRows(), settings.testRows(),
        settings.maxLength(), 0, false, settings.trainingConfig(), settings.sampling());
  }
}
