package dev.rankwise.cli;

import dev.rankwise.reporting.Machine;
import dev.rankwise.cli.job.RunSettings;
import dev.rankwise.cli.study.Cell;
import dev.rankwise.cli.study.ExperimentRunner;
import dev.rankwise.cli.study.ResultsFile;
import dev.rankwise.cli.study.StudyGrid;
import dev.rankwise.cli.study.StudyReport;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Runs the study's grid (resumably) and writes STUDY.md from its results. */
@Command(name = "experiment", mixinStandardHelpOptions = true,
    description = "Run the study's grid of methods x seeds x tasks on MiniLM, resuming where the results file"
        + " stops (a finished cell never runs again), then write STUDY.md and its charts into --out.")
final class ExperimentCommand implements Callable<Integer>, WritesOutput {

  @Mixin CommonOptions common;

  @Option(names = "--seeds", paramLabel = "N", defaultValue = "5",
      description = "Seeds 0..N-1 for every cell. Default: ${DEFAULT-VALUE}.")
  int seeds;

  @Option(names = "--cells", paramLabel = "TEXT",
      description = "Only cells whose id contains this, such as claim2/rank-experts/ or seed=3.")
  String only;

  @Option(names = "--train-rows", paramLabel = "N",
      description = "Override the grid's training rows per task (for a smoke run; the study's numbers use the grid's).")
  Integer trainRows;

  @Option(names = "--test-rows", paramLabel = "N", description = "Override the test rows per task (0 = all).")
  Integer testRows;

  @Option(names = "--report-only", description = "Write the report from the results file without running.")
  boolean reportOnly;

  @Override
  public Path outputFolder() {
    return common.out;
  }

  @Override
  public Integer call() throws Exception {
    common.applyToEngine();
    ResultsFile results = new ResultsFile(common.out.resolve("study").resolve("results.jsonl"));
    List<Cell> cells = StudyGrid.cells(seeds).stream()
        .filter(cell -> only == null || cell.id().contains(only)).toList();
    if (cells.isEmpty()) {
      throw new IllegalArgumentException("no cell id contains '" + only + "'; ids look like "
          + StudyGrid.cells(1).get(0).id());
    }
    long start = System.nanoTime();
    if (!reportOnly) {
      try (ExperimentRunner runner = new ExperimentRunner(common.data, results, this::size)) {
        runner.run(cells);
      }
    }
    var runs = results.read();
    double runSeconds = runs.values().stream().mapToDouble(run -> run.seconds()).sum();
    String header = String.format(Locale.ROOT, "# Does it work? The paper's two claims on real data%n%n"
            + "Written by `./rankwise experiment --seeds %d --out %s` on %s, %s. %d runs in `study/results.jsonl`"
            + " (%.0f min of training and evaluation; this invocation took %.0f min). Every number below comes"
            + " from that file; `--cells <id>` re-runs any cell into another --out.%n%n",
        seeds, common.out, LocalDate.now(), Machine.describe(), runs.size(), runSeconds / 60,
        (System.nanoTime() - start) / 6e10);
    String overrides = trainRows == null && testRows == null ? ""
        : String.format(Locale.ROOT, "**Smoke run: sizes overridden (training rows %s, test rows %s); not the"
            + " study's settings.**%n%n", trainRows, testRows);
    new StudyReport(runs).write(common.out, header + overrides + StudyReport.INTRODUCTION);
    System.out.println("Study: " + common.out.resolve("STUDY.md") + " (" + runs.size() + " runs)");
    return 0;
  }

  private RunSettings size(Cell cell) {
    RunSettings grid = StudyGrid.settings(cell);
    return new RunSettings(trainRows != null ? trainRows : grid.trainRows(),
        testRows != null ? testRows : grid.testRows(), grid.maxLength(), grid.epochs(), grid.batchSize(),
        grid.learningRate(), grid.probeSteps(), grid.seed());
  }
}
