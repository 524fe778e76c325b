package dev.rankwise.cli.study;

import dev.rankwise.cli.job.Placement;
import dev.rankwise.cli.job.RunSettings;
import dev.rankwise.runtime.train.TaskSampling;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The fair test of the paper's two claims (issue 20): the first study's tasks ({@link StudyGrid}) and
 * the two methods each claim's verdict compares, each method's learning rate tuned the same way on
 * validation rows for each base and placement, and every run trained until its validation accuracy
 * stops improving, keeping its best weights. The first study's other variants (split ranks, a LoRA
 * per task, adaptive experts) are left out: they decide no verdict, and they would double the hours.
 *
 * <ul>
 *   <li>Data: 1,500 training rows per task (a fixed subset), of which a fixed 20 % are validation
 *       rows, so 1,200 train; all test rows; 96 tokens; batches of 32 rows shared by the tasks.
 *   <li>Tuning: seed {@value #TUNING_SEED}, each of {@link #LEARNING_RATES} (1.5 decades), scored on
 *       the validation rows; the test rows are not read. A method's rate for a base and placement is
 *       the one with the best mean validation accuracy over the claim's tasks (the lower on a tie).
 *   <li>Convergence, the same for every method: validation accuracy read every epoch (a pass over
 *       the largest task's training rows), a stop after {@value #PATIENCE} epochs without a better one
 *       or after {@value #MAX_EPOCHS}, the best epoch's weights kept.
 *   <li>Final runs: seeds 0 … n−1 at the tuned rate, scored once on the test rows.
 * </ul>
 *
 * Cells run base by base and placement by placement; within one, the tuning runs first, then the
 * final runs seed by seed, so that a grid stopped early holds complete pairs.
 */
public final class TunedGrid {

  /** The grid's name on the command line and the folder of its results file. */
  public static final String NAME = "tuned";

  /** Claim 1's pair: LoRA r = 8, the reference, and the decomposed update a = b = 8. */
  public static final List<String> CLAIM_1_METHODS = StudyGrid.CLAIM_1_METHODS.subList(0, 2);

  /** Claim 2's pair: one LoRA shared by the tasks, the reference, and the rank experts. */
  public static final List<String> CLAIM_2_METHODS = List.of("shared-lora", "rank-experts");

  /** The rates each method tries: 1e-3 to 3e-2, 1.5 decades. */
  public static final List<Double> LEARNING_RATES = List.of(1e-3, 3e-3, 1e-2, 3e-2);

  /** The three bases of "Bring your own model, data and tasks". */
  public static final List<String> BASES = List.of("all-MiniLM-L6-v2", "bge-small-en-v1.5", "e5-small-v2");

  /** The seed of the tuning runs. */
  public static final long TUNING_SEED = 0;

  /** Epochs at most. */
  public static final int MAX_EPOCHS = 10;

  /** Epochs without a better validation accuracy before a run stops. */
  public static final int PATIENCE = 2;

  /** Training rows per task before the validation rows come out of them. */
  public static final int TRAIN_ROWS = 1500;
  static final double VALIDATION_FRACTION = 0.2;
  static final int MAX_LENGTH = 96;
  static final int BATCH = 32;

  private TunedGrid() {}

  /**
   * Whether the grid runs this cell's method: results files kept from before the grid was cut to the
   * verdicts' pairs hold runs of other methods, which no verdict reads.
   */
  public static boolean runsMethodOf(Cell cell) {
    return switch (cell.experiment()) {
      case StudyGrid.CLAIM_1 -> CLAIM_1_METHODS.contains(cell.method());
      case StudyGrid.CLAIM_2 -> CLAIM_2_METHODS.contains(cell.method());
      default -> false;
    };
  }

  /** Every cell of the bases and placements, with final runs of seeds {@code 0 .. seeds-1}. */
  public static List<Cell> cells(List<String> bases, List<Placement> placements, int seeds) {
    if (seeds < 1) {
      throw new IllegalArgumentException("--seeds must be at least 1, got " + seeds);
    }
    List<Cell> cells = new ArrayList<>();
    for (String base : bases) {
      for (Placement placement : placements) {
        for (double rate : LEARNING_RATES) {
          claims(cells, base, placement, TUNING_SEED, rate);
        }
        for (long seed = 0; seed < seeds; seed++) {
          claims(cells, base, placement, seed, 0);
        }
      }
    }
    return cells;
  }

  private static void claims(List<Cell> cells, String base, Placement placement, long seed, double rate) {
    for (String task : StudyGrid.CLAIM_1_TASKS) {
      for (String method : CLAIM_1_METHODS) {
        cells.add(new Cell(StudyGrid.CLAIM_1, method, List.of(task), seed, base, placement.word(), rate));
      }
    }
    for (String method : CLAIM_2_METHODS) {
      cells.add(new Cell(StudyGrid.CLAIM_2, method, StudyGrid.ALL_TASKS, seed, base, placement.word(), rate));
    }
  }

  /** How to run a cell: a tuning run at its rate, a final run at the tuned rate once tuning is done. */
  public static Optional<RunPlan> plan(Cell cell, Map<String, RunRecord> done) {
    return plan(cell, done, TRAIN_ROWS, 0);
  }

  /**
   * As {@link #plan(Cell, Map)} with other sizes, for a smoke run: {@code trainRows} per task before
   * the validation rows come out of them, {@code testRows} (0 = all).
   */
  public static Optional<RunPlan> plan(Cell cell, Map<String, RunRecord> done, int trainRows, int testRows) {
    OptionalDouble rate = cell.tuning() ? OptionalDouble.of(cell.learningRate()) : tunedRate(cell, done);
    if (rate.isEmpty()) {
      return Optional.empty();
    }
    int tasks = cell.tasks().size();
    int training = (int) Math.round(trainRows * (1 - VALIDATION_FRACTION));
    int epoch = Math.max(1, (int) Math.ceil(training / (BATCH / (double) tasks)));
    RunSettings settings = new RunSettings(trainRows, testRows, MAX_LENGTH, MAX_EPOCHS, BATCH, rate.getAsDouble(), 0,
        cell.seed());
    return Optional.of(new RunPlan(cell.base(), Placement.parse(cell.placement()), trainRows, testRows, MAX_LENGTH,
        VALIDATION_FRACTION, cell.tuning(), settings.converging(epoch, PATIENCE), new TaskSampling.RoundRobin()));
  }

  /**
   * The rate tuning chose for a final cell's method, base and placement: the best mean validation
   * accuracy over the claim's tasks, the lower rate on a tie; empty until every tuning run of it is done.
   */
  public static OptionalDouble tunedRate(Cell cell, Map<String, RunRecord> done) {
    List<List<String>> taskSets = cell.experiment().equals(StudyGrid.CLAIM_1)
        ? StudyGrid.CLAIM_1_TASKS.stream().map(List::of).toList() : List.of(cell.tasks());
    double bestRate = 0;
    double bestScore = Double.NEGATIVE_INFINITY;
    for (double rate : LEARNING_RATES) {
      double sum = 0;
      for (List<String> tasks : taskSets) {
        RunRecord run = done.get(new Cell(cell.experiment(), cell.method(), tasks, TUNING_SEED, cell.base(),
            cell.placement(), rate).id());
        if (run == null) {
          return OptionalDouble.empty();
        }
        sum += run.meanAccuracy();
      }
      double score = sum / taskSets.size();
      if (score > bestScore) {
        bestScore = score;
        bestRate = rate;
      }
    }
    return OptionalDouble.of(bestRate);
  }
}
