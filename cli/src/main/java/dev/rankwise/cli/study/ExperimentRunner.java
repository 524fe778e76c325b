package dev.rankwise.cli.study;

import dev.rankwise.cli.console.ProgressBar;
import dev.rankwise.runtime.train.TaskMetrics;
import dev.rankwise.runtime.train.TrainerListener;
import dev.rankwise.cli.job.BaseModel;
import dev.rankwise.cli.job.EncoderSession;
import dev.rankwise.cli.job.Method;
import dev.rankwise.cli.job.MethodResult;
import dev.rankwise.cli.job.MethodTrainer;
import dev.rankwise.cli.job.TaskTexts;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;

/**
 * Runs the cells of a grid that the results file does not hold yet, appending each run as it
 * ends, with one progress bar over the whole grid; or one cell alone, appending nothing (to check a
 * recorded run). Runs that read the same texts of the same base
 * share one session, so the frozen layers are computed once per data subset; a session of another
 * base is closed when the grid moves on (grids run base by base).
 */
public final class ExperimentRunner implements AutoCloseable {

  /** What a grid tells the runner about a cell. */
  public interface Planner {
    /**
     * How to run {@code cell}, given the runs finished so far; empty while it cannot run yet (such as
     * a run at the tuned rate before its tuning runs have all finished).
     */
    Optional<RunPlan> plan(Cell cell, Map<String, RunRecord> done);
  }

  private final Path dataRoot;
  private final ResultsFile results;
  private final Planner planner;
  private final Map<String, EncoderSession> sessions = new HashMap<>();

  /** A runner reading task sets under {@code dataRoot} and appending to {@code results}. */
  public ExperimentRunner(Path dataRoot, ResultsFile results, Planner planner) {
    this.dataRoot = dataRoot;
    this.results = results;
    this.planner = planner;
  }

  /**
   * Runs every cell not yet in the results file, in order, until {@code deadline} (then it starts no
   * other); a cell that cannot run yet is passed over and said.
   *
   * @return the number of cells run now
   */
  public int run(List<Cell> cells, Instant deadline) throws IOException {
    Map<String, RunRecord> done = new LinkedHashMap<>(results.read());
    List<Cell> todo = cells.stream().filter(cell -> !done.containsKey(cell.id())).toList();
    System.err.printf(Locale.ROOT, "experiment: %d cells, %d already in %s, %d to run%n", cells.size(),
        cells.size() - todo.size(), results.path(), todo.size());
    if (todo.isEmpty()) {
      return 0;
    }
    ProgressBar bar = ProgressBar.onStandardError("grid", "runs", todo.size());
    int ran = 0;
    for (int i = 0; i < todo.size(); i++) {
      Cell cell = todo.get(i);
      if (Instant.now().isAfter(deadline)) {
        bar.finish("time is up: " + (todo.size() - i) + " cells left for the next run, results in " + results.path());
        return ran;
      }
      Optional<RunPlan> plan = planner.plan(cell, done);
      if (plan.isEmpty()) {
        bar.update(i + 1, cell.id() + ": waits for its tuning runs");
        continue;
      }
      RunRecord run = run(cell, plan.get(), TrainerListener.NONE);
      results.append(run);
      done.put(cell.id(), run);
      ran++;
      bar.update(i + 1, String.format(Locale.ROOT, "%s: mean acc %.3f", cell.id(), run.meanAccuracy()));
    }
    bar.finish("results in " + results.path());
    return ran;
  }

  /**
   * Runs one cell as planned, reporting its steps and evaluations to {@code listener}, and returns
   * its record without appending it to the results file.
   */
  public RunRecord run(Cell cell, RunPlan plan, TrainerListener listener) throws IOException {
    Method method = Method.byId(cell.method()).forTasks(cell.tasks());
    MethodResult result = new MethodTrainer(session(plan), plan.config(), plan.sampling(), listener)
        .placed(plan.placement()).train(method, null);
    Map<String, TaskMetrics> metrics = new LinkedHashMap<>();
    result.metrics().forEach(m -> metrics.put(m.task(), m));
    List<Double> losses = result.losses();
    int tail = Math.max(1, losses.size() / 10);
    double finalLoss = losses.subList(losses.size() - tail, losses.size()).stream()
        .mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    return new RunRecord(cell, result.adapterParameters(), losses.size(), finalLoss, result.seconds(), metrics,
        plan.config().learningRate());
  }

  /**
   * The session of a plan: all tasks' fixed data subsets of that size on that base; a tuning plan's
   * sessions score on the validation rows, so their test rows are never read.
   */
  private EncoderSession session(RunPlan plan) throws IOException {
    EncoderSession session = sessions.get(plan.sessionKey());
    if (session == null) {
      closeOtherBases(plan.base());
      List<TaskTexts> texts = TaskTexts.read(dataRoot, StudyGrid.ALL_TASKS, plan.trainRows(), plan.testRows(),
          StudyGrid.DATA_SEED, false, plan.validationFraction());
      if (plan.scoreOnValidation()) {
        texts = texts.stream().map(TaskTexts::scoredOnValidation).toList();
      }
      session = new EncoderSession(texts, new BaseModel(plan.base(), null).open(plan.maxLength()), true);
      sessions.put(plan.sessionKey(), session);
    }
    return session;
  }

  private void closeOtherBases(String base) {
    sessions.entrySet().removeIf(entry -> {
      if (entry.getKey().startsWith(base + "/")) {
        return false;
      }
      entry.getValue().close();
      return true;
    });
  }

  @Override
  public void close() {
    sessions.values().forEach(EncoderSession::close);
  }
}
