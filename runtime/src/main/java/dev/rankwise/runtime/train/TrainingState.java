package dev.rankwise.runtime.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.rankwise.runtime.internal.ParameterValues;
import dev.rankwise.runtime.io.Checkpoint;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything a run changes as it goes, in one place so that a checkpoint can save it and a resumed
 * run continue exactly where it stood: the trained parameters and the optimizer, the sampler (each
 * task's row order and position, and the shared random generator), the loss histories, the skipped
 * steps and the validation evaluations with the best weights.
 */
final class TrainingState {

  private static final String ORDER = "order/";
  private static final String POSITION = "position/";
  private static final String RANDOM = "random";
  private static final String LOSS = "loss";
  private static final String TASK_LOSS = "task_loss/";
  private static final String AUXILIARY = "auxiliary/";
  private static final String AUXILIARY_NAMES = "auxiliary_names";
  private static final String SKIPPED = "skipped_steps";

  final ParameterUpdate update;
  final SeededRandom random;
  final List<String> tasks;
  final List<RowCursor> cursors = new ArrayList<>();
  final List<Double> losses = new ArrayList<>();
  final Map<String, List<Double>> taskLosses = new LinkedHashMap<>();
  final Map<String, List<Double>> auxiliary = new LinkedHashMap<>();
  final NonFiniteGuard guard;
  final EvaluationHistory evaluations;

  TrainingState(ParameterUpdate update, TrainingConfig config, List<TaskData> data) {
    this.update = update;
    this.random = new SeededRandom(config.seed());
    this.tasks = data.stream().map(TaskData::name).toList();
    for (TaskData task : data) {
      cursors.add(new RowCursor(task.trainRows(), config.shuffle() ? random : null));
      taskLosses.put(task.name(), new ArrayList<>());
    }
    this.guard = new NonFiniteGuard(config.onNonFinite());
    this.evaluations = config.evaluates() ? new EvaluationHistory(config, tasks) : null;
  }

  /** The state after {@code step}, for a run described by {@code run}. */
  Checkpoint save(int step, String run) {
    Map<String, Checkpoint.Array> parameters = new LinkedHashMap<>();
    Map<String, Shape> shapes = new LinkedHashMap<>();
    update.parameters().forEach((name, parameter) -> {
      parameters.put(name, array(parameter.getArray()));
      shapes.put(name, parameter.getArray().getShape());
    });
    Map<String, Checkpoint.Array> means = new LinkedHashMap<>();
    update.optimizer().means().forEach((name, array) -> means.put(name, array(array)));
    Map<String, Checkpoint.Array> variances = new LinkedHashMap<>();
    update.optimizer().variances().forEach((name, array) -> variances.put(name, array(array)));
    Map<String, Checkpoint.Array> arrays = new LinkedHashMap<>();
    Map<String, String> values = new LinkedHashMap<>();
    for (int t = 0; t < tasks.size(); t++) {
      float[] order = cursors.get(t).order();
      arrays.put(ORDER + tasks.get(t), new Checkpoint.Array(new long[] {order.length}, order));
      values.put(POSITION + tasks.get(t), Integer.toString(cursors.get(t).position()));
      arrays.put(TASK_LOSS + tasks.get(t), history(taskLosses.get(tasks.get(t))));
    }
    values.put(RANDOM, Long.toString(random.state()));
    arrays.put(LOSS, history(losses));
    auxiliary.forEach((name, history) -> arrays.put(AUXILIARY + name, history(history)));
    values.put(AUXILIARY_NAMES, String.join(",", auxiliary.keySet()));
    values.put(SKIPPED, guard.skipped().toString().replaceAll("[\\[\\] ]", ""));
    if (evaluations != null) {
      evaluations.save(arrays, values);
    }
    return new Checkpoint(step, run, update.optimizer().updates(), parameters, means, variances, arrays, values);
  }

  /**
   * Continues from a checkpoint of this run: every parameter, optimizer moment, sampler position
   * and history is checked against the run before anything is changed.
   *
   * @throws IllegalArgumentException naming what does not fit
   */
  void restore(Checkpoint checkpoint) {
    Map<String, Parameter> parameters = update.parameters();
    if (!checkpoint.parameters().keySet().equals(parameters.keySet())) {
      throw new IllegalArgumentException("the checkpoint's parameters " + difference(checkpoint.parameters().keySet(),
          parameters.keySet()) + " do not match the model's trainable parameters");
    }
    // The optimizer creates its moments on its first update.
    boolean moments = checkpoint.optimizerUpdates() > 0;
    Map<String, Shape> shapes = new LinkedHashMap<>();
    Map<String, float[]> means = new LinkedHashMap<>();
    Map<String, float[]> variances = new LinkedHashMap<>();
    parameters.forEach((name, parameter) -> {
      Shape shape = parameter.getArray().getShape();
      shapes.put(name, shape);
      requireShape(name, checkpoint.parameters().get(name), shape);
      if (moments) {
        means.put(name, requireShape("mean of " + name, checkpoint.means().get(name), shape).data());
        variances.put(name, requireShape("variance of " + name, checkpoint.variances().get(name), shape).data());
      }
    });
    float[][] orders = new float[tasks.size()][];
    int[] positions = new int[tasks.size()];
    for (int t = 0; t < tasks.size(); t++) {
      orders[t] = require(checkpoint, ORDER + tasks.get(t)).data();
      positions[t] = Integer.parseInt(value(checkpoint, POSITION + tasks.get(t)));
    }
    long randomState = Long.parseLong(value(checkpoint, RANDOM));
    List<Double> savedLosses = list(require(checkpoint, LOSS));
    if (savedLosses.size() != checkpoint.step()) {
      throw new IllegalArgumentException("the checkpoint of step " + checkpoint.step() + " holds "
          + savedLosses.size() + " losses");
    }
    EvaluationHistory savedEvaluations = evaluations == null ? null : evaluations.read(checkpoint, parameters);

    for (int t = 0; t < tasks.size(); t++) {
      cursors.get(t).restore(orders[t], positions[t]);
      taskLosses.put(tasks.get(t), list(require(checkpoint, TASK_LOSS + tasks.get(t))));
    }
    random.restore(randomState);
    losses.clear();
    losses.addAll(savedLosses);
    auxiliary.clear();
    String names = value(checkpoint, AUXILIARY_NAMES);
    for (String name : names.isEmpty() ? new String[0] : names.split(",")) {
      auxiliary.put(name, list(require(checkpoint, AUXILIARY + name)));
    }
    String skipped = value(checkpoint, SKIPPED);
    guard.restore(skipped.isEmpty() ? List.of()
        : Arrays.stream(skipped.split(",")).map(Integer::valueOf).toList());
    if (evaluations != null) {
      evaluations.restore(savedEvaluations);
    }
    // Bit for bit, for an exact resume; not NDArray.set, which makes libtorch warn (docs/DESIGN.md §7).
    parameters.forEach((name, parameter) ->
        ParameterValues.overwrite(parameter.getArray(), checkpoint.parameters().get(name).data()));
    update.optimizer().restore(checkpoint.optimizerUpdates(), means, variances, shapes);
  }

  private static Checkpoint.Array array(NDArray array) {
    return new Checkpoint.Array(array.getShape().getShape(), array.toFloatArray());
  }

  private static Checkpoint.Array history(List<Double> values) {
    float[] data = new float[values.size()];
    for (int i = 0; i < data.length; i++) {
      data[i] = values.get(i).floatValue();
    }
    return new Checkpoint.Array(new long[] {data.length}, data);
  }

  private static List<Double> list(Checkpoint.Array array) {
    List<Double> values = new ArrayList<>(array.data().length);
    for (float value : array.data()) {
      values.add((double) value);
    }
    return values;
  }

  private static Checkpoint.Array require(Checkpoint checkpoint, String name) {
    Checkpoint.Array array = checkpoint.arrays().get(name);
    if (array == null) {
      throw new IllegalArgumentException("the checkpoint lacks '" + name + "'");
    }
    return array;
  }

  private static String value(Checkpoint checkpoint, String name) {
    String value = checkpoint.values().get(name);
    if (value == null) {
      throw new IllegalArgumentException("the checkpoint lacks '" + name + "'");
    }
    return value;
  }

  private static Checkpoint.Array requireShape(String name, Checkpoint.Array array, Shape shape) {
    if (array == null) {
      throw new IllegalArgumentException("the checkpoint lacks the " + name);
    }
    if (!Arrays.equals(array.shape(), shape.getShape())) {
      throw new IllegalArgumentException("the checkpoint's " + name + " has shape " + Arrays.toString(array.shape())
          + ", the model's " + shape);
    }
    return array;
  }

  private static String difference(Set<String> saved, Set<String> model) {
    List<String> missing = model.stream().filter(name -> !saved.contains(name)).limit(3).toList();
    List<String> extra = saved.stream().filter(name -> !model.contains(name)).limit(3).toList();
    return "(missing " + missing + ", unknown " + extra + ")";
  }
}
