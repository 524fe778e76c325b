package dev.rankwise.cli.study;

import dev.rankwise.cli.console.ProgressBar;
import dev.rankwise.runtime.train.TaskMetrics;
import dev.rankwise.cli.job.BaseModel;
import dev.rankwise.cli.job.EncoderSession;
import dev.rankwise.cli.job.Method;
import dev.rankwise.cli.job.MethodResult;
import dev.rankwise.cli.job.MethodTrainer;
import dev.rankwise.cli.job.RunSettings;
import dev.rankwise.cli.job.TaskTexts;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Runs the cells of a grid that the results file does not hold yet, appending each run as it
 * ends, with one progress bar over the whole grid. Runs of the same size share one session, so
 * the frozen layers are computed once per data subset.
 */
public final class ExperimentRunner implements AutoCloseable {

  private final Path dataRoot;
  private final ResultsFile results;
  private final Function<Cell, RunSettings> sizes;
  private final Map<String, EncoderSession> sessions = new HashMap<>();

  /**
   * A runner reading task sets under {@code dataRoot} and appending to {@code results}; {@code
   * sizes} gives each cell's run size ({@link StudyGrid#settings} for the study).
   */
  public ExperimentRunner(Path dataRoot, ResultsFile results, Function<Cell, RunSettings> sizes) {
    this.dataRoot = dataRoot;
    this.results = results;
    this.sizes = sizes;
  }

  /**
   * Runs every cell not yet in the results file.
   *
   * @return the number of cells run now
   */
  public int run(List<Cell> cells) throws IOException {
    Map<String, RunRecord> done = results.read();
    List<Cell> todo = cells.stream().filter(cell -> !done.containsKey(cell.id())).toList();
    System.err.printf(Locale.ROOT, "experiment: %d cells, %d already in %s, %d to run%n", cells.size(),
        cells.size() - todo.size(), results.path(), todo.size());
    if (todo.isEmpty()) {
      return 0;
    }
    ProgressBar bar = ProgressBar.onStandardError("grid", "runs", todo.size());
    for (int i = 0; i < todo.size(); i++) {
      Cell cell = todo.get(i);
      RunRecord run = run(cell);
      results.append(run);
      bar.update(i + 1, String.format(Locale.ROOT, "%s: mean acc %.3f", cell.id(), run.meanAccuracy()));
    }
    bar.finish("results in " + results.path());
    return todo.size();
  }

  private RunRecord run(Cell cell) throws IOException {
    RunSettings settings = sizes.apply(cell);
    Method method = Method.byId(cell.method()).forTasks(cell.tasks());
    MethodResult result = new MethodTrainer(session(settings), settings.trainingConfig(), settings.sampling())
        .train(method, null);
    Map<String, TaskMetrics> metrics = new LinkedHashMap<>();
    result.metrics().forEach(m -> metrics.put(m.task(), m));
    List<Double> losses = result.losses();
    int tail = Math.max(1, losses.size() / 10);
    double finalLoss = losses.subList(losses.size() - tail, losses.size()).stream()
        .mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    return new RunRecord(cell, result.adapterParameters(), losses.size(), finalLoss, result.seconds(), metrics);
  }

  /** The session of a run size: all tasks' data subsets at that size (fixed data seed). */
  private EncoderSession session(RunSettings settings) throws IOException {
    String key = settings.trainRows() + "/" + settings.testRows() + "/" + settings.maxLength();
    EncoderSession session = sessions.get(key);
    if (session == null) {
      session = new EncoderSession(TaskTexts.read(dataRoot, StudyGrid.ALL_TASKS, settings.trainRows(),
          settings.testRows(), StudyGrid.DATA_SEED), BaseModel.DEFAULT.open(settings.maxLength()), true);
      sessions.put(key, session);
    }
    return session;
  }

  @Override
  public void close() {
    sessions.values().forEach(EncoderSession::close);
  }
}
