package dev.rankwise.runtime.train;

import ai.djl.nn.Parameter;
import dev.rankwise.runtime.internal.ParameterValues;
import dev.rankwise.runtime.io.Checkpoint;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * A run's validation evaluations and what they decide: the best one by the config's metric, its
 * weights when the run keeps the best, and early stopping after {@code patience} evaluations without
 * a better one (the Hugging Face Trainer's {@code load_best_model_at_end} and {@code
 * EarlyStoppingCallback}). Part of the state a checkpoint saves.
 */
final class EvaluationHistory {

  private static final String STEPS = "evaluation_steps";
  private static final String METRICS = "evaluation/";
  private static final String BEST_STEP = "best_step";
  private static final String BEST_SCORE = "best_score";
  private static final String SINCE_BEST = "evaluations_since_best";
  private static final String STOPPED_EARLY = "stopped_early";
  private static final String BEST_WEIGHT = "best/";

  private final TrainingConfig config;
  private final List<String> tasks;
  private final List<Evaluation> evaluations = new ArrayList<>();
  private final Map<String, float[]> bestWeights = new LinkedHashMap<>();
  private int bestStep;
  private double bestScore = Double.NaN;
  private int sinceBest;
  private boolean stoppedEarly;

  EvaluationHistory(TrainingConfig config, List<String> tasks) {
    this.config = config;
    this.tasks = tasks;
  }

  /**
   * Records an evaluation, copying the weights if it is the best so far and the run keeps the best.
   *
   * @return whether it is the best so far
   */
  boolean record(Evaluation evaluation, Map<String, Parameter> parameters) {
    evaluations.add(evaluation);
    double score = evaluation.score(config.bestMetric());
    if (config.bestMetric().isBetter(score, bestScore)) {
      bestScore = score;
      bestStep = evaluation.step();
      sinceBest = 0;
      if (config.keepBest()) {
        parameters.forEach((name, parameter) -> bestWeights.put(name, parameter.getArray().toFloatArray()));
      }
      return true;
    }
    sinceBest++;
    stoppedEarly = config.patience() > 0 && sinceBest >= config.patience();
    return false;
  }

  /** Whether early stopping ended the run. */
  boolean stoppedEarly() {
    return stoppedEarly;
  }

  /** The evaluations so far, in step order. */
  List<Evaluation> evaluations() {
    return evaluations;
  }

  /** The best evaluation's step, 0 before any evaluation with a finite score. */
  int bestStep() {
    return bestStep;
  }

  /**
   * Puts the best evaluation's weights back, if the run keeps the best and evaluated.
   *
   * @return whether it did
   */
  boolean restoreBest(Map<String, Parameter> parameters) {
    if (bestWeights.isEmpty()) {
      return false;
    }
    // Not NDArray.set, which makes libtorch warn (docs/DESIGN.md §7).
    parameters.forEach((name, parameter) -> ParameterValues.overwrite(parameter.getArray(), bestWeights.get(name)));
    return true;
  }

  /** Adds this history to a checkpoint's arrays and values. */
  void save(Map<String, Checkpoint.Array> arrays, Map<String, String> values) {
    StringJoiner steps = new StringJoiner(",");
    evaluations.forEach(evaluation -> steps.add(Integer.toString(evaluation.step())));
    values.put(STEPS, steps.toString());
    for (int t = 0; t < tasks.size(); t++) {
      StringJoiner rows = new StringJoiner(";");
      for (Evaluation evaluation : evaluations) {
        TaskMetrics m = evaluation.metrics().get(t);
        // Double.toString reads back to the same double, so a resumed run reports the same numbers.
        rows.add(m.loss() + "," + m.accuracy() + "," + m.macroF1() + "," + m.positiveF1());
      }
      values.put(METRICS + tasks.get(t), rows.toString());
    }
    values.put(BEST_STEP, Integer.toString(bestStep));
    values.put(BEST_SCORE, Double.toString(bestScore));
    values.put(SINCE_BEST, Integer.toString(sinceBest));
    values.put(STOPPED_EARLY, Boolean.toString(stoppedEarly));
    bestWeights.forEach((name, weights) ->
        arrays.put(BEST_WEIGHT + name, new Checkpoint.Array(new long[] {weights.length}, weights)));
  }

  /**
   * Reads a history saved by {@link #save} into a new one; applies nothing.
   *
   * @throws IllegalArgumentException naming what is missing or malformed
   */
  EvaluationHistory read(Checkpoint checkpoint, Map<String, Parameter> parameters) {
    EvaluationHistory read = new EvaluationHistory(config, tasks);
    String steps = value(checkpoint, STEPS);
    List<Integer> stepList = steps.isEmpty() ? List.of()
        : Arrays.stream(steps.split(",")).map(Integer::valueOf).toList();
    List<List<TaskMetrics>> byEvaluation = new ArrayList<>();
    stepList.forEach(step -> byEvaluation.add(new ArrayList<>()));
    for (String task : tasks) {
      String saved = value(checkpoint, METRICS + task);
      String[] rows = saved.isEmpty() ? new String[0] : saved.split(";");
      if (rows.length != stepList.size()) {
        throw new IllegalArgumentException("the checkpoint holds " + rows.length + " evaluations of task '" + task
            + "' for " + stepList.size() + " evaluation steps");
      }
      for (int i = 0; i < rows.length; i++) {
        String[] numbers = rows[i].split(",");
        if (numbers.length != 4) {
          throw new IllegalArgumentException("the checkpoint's evaluation " + (i + 1) + " of task '" + task
              + "' has " + numbers.length + " numbers, not 4: " + rows[i]);
        }
        byEvaluation.get(i).add(new TaskMetrics(task, Double.parseDouble(numbers[0]),
            Double.parseDouble(numbers[1]), Double.parseDouble(numbers[2]), Double.parseDouble(numbers[3])));
      }
    }
    for (int i = 0; i < stepList.size(); i++) {
      read.evaluations.add(new Evaluation(stepList.get(i), byEvaluation.get(i)));
    }
    read.bestStep = Integer.parseInt(value(checkpoint, BEST_STEP));
    read.bestScore = Double.parseDouble(value(checkpoint, BEST_SCORE));
    read.sinceBest = Integer.parseInt(value(checkpoint, SINCE_BEST));
    read.stoppedEarly = Boolean.parseBoolean(value(checkpoint, STOPPED_EARLY));
    if (config.keepBest() && read.bestStep > 0) {
      parameters.forEach((name, parameter) -> {
        Checkpoint.Array array = checkpoint.arrays().get(BEST_WEIGHT + name);
        long size = parameter.getArray().size();
        if (array == null || array.data().length != size) {
          throw new IllegalArgumentException("the checkpoint lacks the best weights of " + name
              + " (" + size + " values)");
        }
        read.bestWeights.put(name, array.data());
      });
    }
    return read;
  }

  /** Replaces this history with one {@link #read} from a checkpoint. */
  void restore(EvaluationHistory read) {
    evaluations.clear();
    evaluations.addAll(read.evaluations);
    bestWeights.clear();
    bestWeights.putAll(read.bestWeights);
    bestStep = read.bestStep;
    bestScore = read.bestScore;
    sinceBest = read.sinceBest;
    stoppedEarly = read.stoppedEarly;
  }

  private static String value(Checkpoint checkpoint, String name) {
    String value = checkpoint.values().get(name);
    if (value == null) {
      throw new IllegalArgumentException("the checkpoint lacks '" + name + "'");
    }
    return value;
  }
}
