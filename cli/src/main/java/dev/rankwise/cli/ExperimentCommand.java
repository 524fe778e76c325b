package dev.rankwise.cli;

import dev.rankwise.reporting.Machine;
import dev.rankwise.cli.console.TrainingProgress;
import dev.rankwise.cli.job.Placement;
import dev.rankwise.cli.job.RunSettings;
import dev.rankwise.cli.study.Cell;
import dev.rankwise.cli.study.ExperimentRunner;
import dev.rankwise.cli.study.Reproduction;
import dev.rankwise.cli.study.ResultsFile;
import dev.rankwise.cli.study.RunPlan;
import dev.rankwise.cli.study.RunRecord;
import dev.rankwise.cli.study.TunedGrid;
import dev.rankwise.cli.study.TunedReport;
import dev.rankwise.cli.study.StudyGrid;
import dev.rankwise.cli.study.StudyReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Runs a study's grid (resumably) and writes its report, or runs one recorded cell again to check it. */
@Command(name = "experiment", mixinStandardHelpOptions = true,
    description = {"Run a study's grid of methods x seeds x tasks, resuming where its results file stops (a"
        + " finished cell never runs again).",
        "--grid first (the default): the first study on MiniLM, one epoch at 5e-3; results, REPORT.md and charts"
        + " in --out/study.",
        "--grid tuned: the fair test (docs/STUDY.md): each method's learning rate tuned on validation rows per base"
        + " and placement, every run trained until validation accuracy stops improving; results in"
        + " --out/tuned/results.jsonl, REPORT.md and charts beside it.",
        "--reproduce ID: run that cell of --out's results file again, alone, and compare (exit 5 if it differs)."})
final class ExperimentCommand implements Callable<Integer>, WritesOutput {

  @Mixin CommonOptions common;

  @Option(names = "--grid", paramLabel = "NAME", defaultValue = "first",
      description = "first or tuned. Default: ${DEFAULT-VALUE}.")
  String grid;

  @Option(names = "--seeds", paramLabel = "N", defaultValue = "5",
      description = "Seeds 0..N-1 for every cell (the tuned grid's final runs). Default: ${DEFAULT-VALUE}.")
  int seeds;

  @Option(names = "--bases", paramLabel = "NAMES", split = ",",
      description = "With --grid tuned: the bases, in order. Default: all-MiniLM-L6-v2,bge-small-en-v1.5,e5-small-v2.")
  List<String> bases;

  @Option(names = "--placements", paramLabel = "NAMES", split = ",", defaultValue = "top-two",
      description = "With --grid tuned: top-two, every-layer, or both in order (every-layer costs a full forward"
          + " and backward pass a step: run it on one base). Default: ${DEFAULT-VALUE}.")
  List<String> placements;

  @Option(names = "--hours", paramLabel = "H",
      description = "Start no cell after H hours (the one running finishes); run again to resume.")
  Double hours;

  @Option(names = "--cells", paramLabel = "TEXT",
      description = "Only cells whose id contains this, such as claim2/rank-experts/ or seed=3.")
  String only;

  @Option(names = "--train-rows", paramLabel = "N",
      description = "Override the grid's training rows per task (for a smoke run; the study's numbers use the grid's).")
  Integer trainRows;

  @Option(names = "--test-rows", paramLabel = "N", description = "Override the test rows per task (0 = all).")
  Integer testRows;

  @Option(names = "--reproduce", paramLabel = "ID",
      description = "Run the cell with this id (a line of --out's results file) again, alone, at its recorded"
          + " settings (a final run at the rate its recorded tuning runs chose; a smoke run's lines need its"
          + " --train-rows and --test-rows again), and compare; exit 5 if the adapter size, steps, learning rate"
          + " or any task's accuracy or macro-F1 differ. Writes nothing, so it needs no lock on --out.")
  String reproduce;

  @Option(names = "--report-only", description = "Write the report from the results file without running.")
  boolean reportOnly;

  @Spec CommandSpec spec;

  @Override
  public Path outputFolder() {
    return reproduce != null ? null : common.out;
  }

  @Override
  public Integer call() throws Exception {
    common.applyToEngine();
    boolean tuned = switch (grid) {
      case "first" -> false;
      case TunedGrid.NAME -> true;
      default -> throw new IllegalArgumentException("--grid must be first or tuned, got " + grid);
    };
    ResultsFile results = new ResultsFile(common.out.resolve(tuned ? TunedGrid.NAME : "study").resolve("results.jsonl"));
    ExperimentRunner.Planner planner = tuned
        ? (cell, done) -> TunedGrid.plan(cell, done, trainRows != null ? trainRows : TunedGrid.TRAIN_ROWS,
            testRows != null ? testRows : 0)
        : (cell, done) -> Optional.of(StudyGrid.plan(size(cell)));
    if (reproduce != null) {
      return reproduce(results, planner);
    }
    if (!tuned && (bases != null || !placements.equals(List.of(Placement.TOP_TWO.word())))) {
      throw new IllegalArgumentException("--bases and --placements go with --grid tuned");
    }
    if (hours != null && !(hours > 0)) {
      throw new IllegalArgumentException("--hours must be above 0, got " + hours);
    }
    List<Placement> chosen = placements.stream().map(Placement::parse).toList();
    List<Cell> all = tuned ? TunedGrid.cells(bases != null ? bases : TunedGrid.BASES, chosen, seeds)
        : StudyGrid.cells(seeds);
    List<Cell> cells = all.stream().filter(cell -> only == null || cell.id().contains(only)).toList();
    if (cells.isEmpty()) {
      throw new IllegalArgumentException("no cell id contains '" + only + "'; ids look like " + all.get(0).id());
    }
    long start = System.nanoTime();
    if (!reportOnly) {
      Instant deadline = hours == null ? Instant.MAX : Instant.now().plusSeconds(Math.round(hours * 3600));
      try (ExperimentRunner runner = new ExperimentRunner(common.data, results, planner)) {
        runner.run(cells, deadline);
      }
    }
    var runs = results.read();
    double runSeconds = runs.values().stream().mapToDouble(run -> run.seconds()).sum();
    if (tuned) {
      Map<String, RunRecord> gridRuns = new LinkedHashMap<>(runs);
      gridRuns.values().removeIf(run -> !TunedGrid.runsMethodOf(run.cell()));
      double gridSeconds = gridRuns.values().stream().mapToDouble(run -> run.seconds()).sum();
      int others = runs.size() - gridRuns.size();
      Path folder = results.path().getParent();
      String header = String.format(Locale.ROOT, "# The paper's two claims, tuned and trained to convergence%n%n"
              + "Written by `./rankwise experiment --grid tuned` on %s, %s, from %d runs in `results.jsonl`"
              + " (%.1f h of training and evaluation)%s. The protocol: docs/CLI.md, \"The fair test's grid\".%n%n",
          LocalDate.now(), Machine.describe(), gridRuns.size(), gridSeconds / 3600,
          others == 0 ? "" : String.format(Locale.ROOT, "; the file also holds %d run%s of methods the grid no"
              + " longer runs (%.1f h), which no verdict reads", others, others == 1 ? "" : "s",
              (runSeconds - gridSeconds) / 3600));
      new TunedReport(gridRuns, seeds).write(folder, header);
      // Unselected, --report-only reads every run in the file; the default selection (top two layers) would undercount.
      String counted = reportOnly && given(List.of("--bases", "--placements", "--cells")).isEmpty()
          ? "all " + gridRuns.size()
          : cells.stream().filter(cell -> runs.containsKey(cell.id())).count() + " of " + cells.size();
      System.out.printf(Locale.ROOT, "Tuned grid: %s runs in %s (%.0f min of training and evaluation); report %s%n",
          counted, results.path(), gridSeconds / 60, folder.resolve(StudyReport.FILE));
      return 0;
    }
    String header = String.format(Locale.ROOT, "# Does it work? The paper's two claims on real data%n%n"
            + "Written by `./rankwise experiment --seeds %d --out %s` on %s, %s. %d runs in `study/results.jsonl`"
            + " (%.0f min of training and evaluation; this invocation took %.0f min). Every number below comes"
            + " from that file; `--cells <id>` re-runs any cell into another --out, and `--reproduce <id>` checks"
            + " one against its line.%n%n",
        seeds, common.out, LocalDate.now(), Machine.describe(), runs.size(), runSeconds / 60,
        (System.nanoTime() - start) / 6e10);
    String overrides = trainRows == null && testRows == null ? ""
        : String.format(Locale.ROOT, "**Smoke run: sizes overridden (training rows %s, test rows %s); not the"
            + " study's settings.**%n%n", trainRows, testRows);
    Path folder = results.path().getParent();
    new StudyReport(runs).write(folder, header + overrides + StudyReport.INTRODUCTION);
    System.out.println("Study: " + folder.resolve(StudyReport.FILE) + " (" + runs.size() + " runs)");
    return 0;
  }

  /** Runs the recorded cell {@link #reproduce} again and says whether it gave the same figures. */
  private int reproduce(ResultsFile results, ExperimentRunner.Planner planner) throws Exception {
    List<String> given = given(List.of("--cells", "--hours", "--report-only", "--seeds", "--bases", "--placements"));
    if (!given.isEmpty()) {
      throw new IllegalArgumentException("--reproduce runs the one recorded cell it names: it takes no "
          + String.join(", ", given));
    }
    if (!Files.exists(results.path())) {
      throw new IllegalArgumentException("no results file " + results.path() + " to reproduce a line of");
    }
    Map<String, RunRecord> recorded = results.read();
    RunRecord record = recorded.get(reproduce);
    if (record == null) {
      throw new IllegalArgumentException(results.path() + " holds no run '" + reproduce + "'"
          + recorded.keySet().stream().findFirst().map(id -> "; ids look like " + id).orElse(""));
    }
    RunPlan plan = planner.plan(record.cell(), recorded).orElseThrow(() -> new IllegalArgumentException(
        results.path() + " lacks the tuning runs that chose the rate of " + reproduce));
    System.err.printf(Locale.ROOT, "experiment: running %s again (learning rate %s)%n", reproduce,
        plan.config().learningRate());
    RunRecord now;
    try (ExperimentRunner runner = new ExperimentRunner(common.data, results, planner)) {
      now = runner.run(record.cell(), plan, new TrainingProgress("reproduce"));
    }
    Reproduction reproduction = new Reproduction(record, now);
    System.out.print(reproduction.describe());
    return reproduction.reproduced() ? RankwiseCli.OK : RankwiseCli.NOT_REPRODUCED;
  }

  /** Those of {@code options} given on the command line. */
  private List<String> given(List<String> options) {
    return options.stream().filter(spec.commandLine().getParseResult()::hasMatchedOption).toList();
  }

  private RunSettings size(Cell cell) {
    RunSettings grid = StudyGrid.settings(cell);
    return new RunSettings(trainRows != null ? trainRows : grid.trainRows(),
        testRows != null ? testRows : grid.testRows(), grid.maxLength(), grid.epochs(), grid.batchSize(),
        grid.learningRate(), grid.probeSteps(), grid.seed());
  }
}
