package dev.rankwise.runtime.model;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import dev.rankwise.runtime.AdapterKind;
import dev.rankwise.runtime.AdapterLayer;
import dev.rankwise.runtime.AdapterLayer.TaskRows;
import dev.rankwise.runtime.internal.ParameterValues;
import dev.rankwise.runtime.io.AdapterFiles;
import dev.rankwise.runtime.io.ClassifierRecord;
import dev.rankwise.runtime.route.TaskRouterConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A block tree with adapters attached and everything else frozen: the handle for training,
 * merging, unmerging, saving and loading the adapters.
 */
public final class AdaptedModel {

  private final AdapterSpec spec;
  private final Block block;
  private final Map<String, AdapterLayer> layers;
  private final Map<String, Parameter> included = new LinkedHashMap<>();
  /** Saved and loaded with the adapters, never trained: what was included before {@link #addTasks}. */
  private final Map<String, Parameter> kept = new LinkedHashMap<>();
  /** The task ids whose parameters train; null when every adapter parameter trains. */
  private List<Integer> trainedTasks;
  private boolean routingFrozen;
  private boolean unloaded;

  AdaptedModel(AdapterSpec spec, Block block, Map<String, AdapterLayer> layers) {
    this.spec = spec;
    this.block = block;
    this.layers = Collections.unmodifiableMap(new LinkedHashMap<>(layers));
  }

  /** The adapted block tree (the same object that was attached to). */
  public Block block() {
    return block;
  }

  /** The spec the adapters came from. */
  public AdapterSpec spec() {
    return spec;
  }

  /** The adapters by block path, in the order they were attached. */
  public Map<String, AdapterLayer> layers() {
    return layers;
  }

  /**
   * Every adapter parameter and every included parameter: the only parameters that train (less
   * the routing parameters after {@link #freezeRouting()}).
   */
  public List<Parameter> trainableParameters() {
    return new ArrayList<>(namedTrainableParameters().values());
  }

  /**
   * The trainable parameters by the keys they are saved under ({@code
   * base_model.model.<path>.<name>} for adapters, the included keys for the rest), in the order of
   * {@link #trainableParameters()}: names that stay the same from process to process.
   */
  public Map<String, Parameter> namedTrainableParameters() {
    List<Parameter> frozen = frozenRouting();
    Map<String, Parameter> trainable = new LinkedHashMap<>();
    for (Map.Entry<String, AdapterLayer> layer : layers.entrySet()) {
      Map<String, TaskRows> rows = trainedRows(layer.getValue());
      for (Map.Entry<String, Parameter> parameter : layer.getValue().adapterParameters().entrySet()) {
        if (!frozen.contains(parameter.getValue()) && (rows == null || rows.containsKey(parameter.getKey()))) {
          trainable.put(AdapterFiles.key(layer.getKey(), parameter.getKey()), parameter.getValue());
        }
      }
    }
    trainable.putAll(included);
    return trainable;
  }

  /**
   * The trainable parameters of which only some rows train, by key (a subset of {@link
   * #namedTrainableParameters()}): after {@link #addTasks}, the new tasks' rows of matrices indexed
   * by task, such as rank experts' {@code task_embedding}. Every other row must stay as it is, so
   * a trainer updates these rows only, weight decay and optimizer state included. Empty when every
   * trainable parameter trains whole.
   */
  public Map<String, TaskRows> trainableRows() {
    Map<String, TaskRows> partial = new LinkedHashMap<>();
    Map<String, Parameter> trainable = namedTrainableParameters();
    for (Map.Entry<String, AdapterLayer> layer : layers.entrySet()) {
      Map<String, TaskRows> rows = trainedRows(layer.getValue());
      if (rows == null) {
        continue;
      }
      rows.forEach((name, range) -> {
        String key = AdapterFiles.key(layer.getKey(), name);
        Parameter parameter = trainable.get(key);
        if (parameter != null && range.count() < parameter.getArray().getShape().get(0)) {
          partial.put(key, range);
        }
      });
    }
    return partial;
  }

  /**
   * The tasks whose parameters train, in router order: every task the declaration routes, or after
   * {@link #addTasks} only the added ones. Empty without a {@code @TaskRouter}.
   */
  public List<String> trainedTasks() {
    List<String> tasks = tasks();
    return trainedTasks == null ? tasks : trainedTasks.stream().map(tasks::get).toList();
  }

  /**
   * The rows of a layer's parameters that train, by file name: the trained tasks' rows taken
   * together (added tasks are contiguous); null when all of them train.
   */
  private Map<String, TaskRows> trainedRows(AdapterLayer layer) {
    if (trainedTasks == null) {
      return null;
    }
    Map<String, TaskRows> rows = new LinkedHashMap<>();
    for (int task : trainedTasks) {
      layer.taskParameters(task).forEach((name, range) -> rows.merge(name, range, (a, b) -> {
        if (b.from() != a.to()) {
          throw new IllegalStateException("the trained tasks' rows of '" + name + "' are not contiguous: "
              + a + " and " + b);
        }
        return new TaskRows(a.from(), b.to());
      }));
    }
    return rows;
  }

  /**
   * Keeps the routing parameters of every layer (for rank experts: task embeddings, gate
   * projection, task offsets, rank logits, or the token router) at their initial values while the
   * experts train: the ablation of a published implementation whose gates never train. The experts
   * each task uses are then fixed by the initialisation.
   *
   * @throws IllegalStateException if no layer has routing parameters
   */
  public AdaptedModel freezeRouting() {
    checkAttached();
    routingFrozen = true;
    List<Parameter> routing = frozenRouting();
    if (routing.isEmpty()) {
      throw new IllegalStateException(spec.declaringType() + " has no routing parameters to freeze");
    }
    routing.forEach(parameter -> parameter.freeze(true));
    return this;
  }

  private List<Parameter> frozenRouting() {
    List<Parameter> routing = new ArrayList<>();
    if (routingFrozen) {
      for (AdapterLayer layer : layers.values()) {
        routing.addAll(layer.routingParameters().values());
      }
    }
    return routing;
  }

  /**
   * Trains and saves these parameters with the adapters, under their keys, such as the task
   * heads of multi-task training ({@code heads.<task>.weight}). Including a key again replaces it.
   */
  public AdaptedModel include(Map<String, Parameter> parameters) {
    // A key kept from before addTasks (an earlier task's head) stays kept: it is replaced, not trained.
    parameters.forEach((key, parameter) -> (kept.containsKey(key) ? kept : included).put(key, parameter));
    return this;
  }

  /** The included parameters by key. */
  public Map<String, Parameter> includedParameters() {
    return Collections.unmodifiableMap(included);
  }

  /**
   * The parameters saved and loaded with the adapters but never trained: after {@link #addTasks},
   * those included before (the earlier tasks' heads).
   */
  public Map<String, Parameter> keptParameters() {
    return Collections.unmodifiableMap(kept);
  }

  /**
   * Adds tasks to this trained model, as PEFT's {@code add_adapter} adds an adapter: the returned
   * model routes this model's tasks followed by {@code tasks}; every earlier task keeps its
   * parameters bit for bit, and the new tasks' parameters start as a fresh attach of the extended
   * declaration with {@code seed} starts them. Only the new tasks' parameters train ({@link
   * #trainedTasks()}): per-task LoRA's adapters of the new tasks; for task-routed rank experts the
   * new rows of the task embeddings, offsets (and rank logits), over the frozen shared experts and
   * gate projection ({@link #trainableRows()}); and what is included from now on (the new tasks'
   * heads). What was included before (the earlier tasks' heads) is kept: saved with the adapters,
   * never trained. So every earlier task's outputs stay exactly as they were (docs/DESIGN.md §6).
   *
   * <p>This model is spent afterwards, as after {@link #mergeAndUnload()}: the returned model's
   * adapters take the place of its adapters in the block. All or nothing: if the tasks cannot be
   * added, nothing changes.
   *
   * @param seed seed of the new tasks' initialisation, as {@link AdapterSpec#attach(Block, long)}
   * @throws IllegalStateException if the declaration has no {@code @TaskRouter}, a layer's
   *     parameters are shared by every task (shared or decomposed LoRA, token-routed experts: the
   *     message names the methods that can add a task), or the adapters are merged
   * @throws IllegalArgumentException if {@code tasks} is empty or names a task routed already
   */
  public AdaptedModel addTasks(List<String> tasks, long seed) {
    checkAttached();
    TaskRouterConfig router = spec.taskRouter().orElseThrow(() -> new IllegalStateException(
        spec.declaringType() + " declares no @TaskRouter, so it has no tasks to add one to; " + CAN_ADD_TASKS));
    if (tasks.isEmpty()) {
      throw new IllegalArgumentException("name at least one task to add to " + router.tasks());
    }
    if (isMerged()) {
      throw new IllegalStateException(spec.declaringType() + " is merged; call unmerge() before adding tasks");
    }
    for (Map.Entry<String, AdapterLayer> layer : layers.entrySet()) {
      if (layer.getValue().taskParameters(0).isEmpty()) {
        throw new IllegalStateException("cannot add a task to " + spec.declaringType() + ": layer '"
            + layer.getKey() + "' (" + AdapterKind.of(layer.getValue().config()).name() + ") is shared by"
            + " every task, so training a new task would change the others; " + CAN_ADD_TASKS);
      }
    }
    int before = router.tasks().size();
    List<String> all = new ArrayList<>(router.tasks());
    all.addAll(tasks);
    AdapterSpec extended = spec.withTasks(all);
    Map<String, AdapterLayer> replacements = Attacher.replace(extended, block, layers, seed);
    try {
      for (Map.Entry<String, AdapterLayer> layer : layers.entrySet()) {
        copyTasks(layer.getKey(), layer.getValue(), replacements.get(layer.getKey()), before);
      }
    } catch (RuntimeException e) {
      Attacher.replaceBack(block, replacements, layers);
      throw e;
    }
    layers.values().forEach(AdapterLayer::releaseAdapter);
    unloaded = true;
    AdaptedModel added = new AdaptedModel(extended, block, replacements);
    added.trainedTasks = new ArrayList<>();
    for (int task = before; task < all.size(); task++) {
      added.trainedTasks.add(task);
    }
    added.kept.putAll(kept);
    added.kept.putAll(included);
    added.freezeBase();
    return added;
  }

  /** As {@link #addTasks(List, long)} with {@link AdapterSpec#DEFAULT_SEED}. */
  public AdaptedModel addTasks(List<String> tasks) {
    return addTasks(tasks, AdapterSpec.DEFAULT_SEED);
  }

  private static final String CAN_ADD_TASKS = "per-task LoRA (@Lora(perTask = true)) and task-routed rank"
      + " experts (@RankExperts with @TaskRouter) can add a task without changing the others";

  /**
   * Copies what a layer learned into its replacement that routes more tasks: parameters of equal
   * shape whole (the shared experts and projection, each earlier task's own adapters); a matrix
   * indexed by task row by row, each earlier task's rows into the same task's rows.
   */
  private static void copyTasks(String path, AdapterLayer from, AdapterLayer to, int tasks) {
    Map<String, Parameter> targets = to.adapterParameters();
    for (Map.Entry<String, Parameter> parameter : from.adapterParameters().entrySet()) {
      String name = parameter.getKey();
      Parameter target = targets.get(name);
      if (target == null) {
        throw new IllegalStateException("layer '" + path + "' routing more tasks has no parameter '" + name + "'");
      }
      float[] values = parameter.getValue().getArray().toFloatArray();
      Shape fromShape = parameter.getValue().getArray().getShape();
      Shape toShape = target.getArray().getShape();
      if (fromShape.equals(toShape)) {
        ParameterValues.overwrite(target.getArray(), values);
        continue;
      }
      long[] rest = Arrays.copyOfRange(fromShape.getShape(), 1, fromShape.dimension());
      if (!Arrays.equals(rest, Arrays.copyOfRange(toShape.getShape(), 1, toShape.dimension()))) {
        throw new IllegalStateException("layer '" + path + "': parameter '" + name + "' is " + fromShape
            + " for the earlier tasks but " + toShape + " for more, not a matrix indexed by task");
      }
      int rowSize = Math.toIntExact(values.length / fromShape.get(0));
      float[] merged = target.getArray().toFloatArray();
      long copied = 0;
      for (int task = 0; task < tasks; task++) {
        TaskRows source = from.taskParameters(task).get(name);
        TaskRows destination = to.taskParameters(task).get(name);
        if (source == null || destination == null || source.count() != destination.count()) {
          throw new IllegalStateException("layer '" + path + "': parameter '" + name + "' changes shape with"
              + " the tasks but does not keep task " + task + "'s rows (" + source + ", " + destination + ")");
        }
        System.arraycopy(values, Math.toIntExact(source.from() * rowSize), merged,
            Math.toIntExact(destination.from() * rowSize), Math.toIntExact(source.count() * rowSize));
        copied += source.count();
      }
      if (copied != fromShape.get(0)) {
        throw new IllegalStateException("layer '" + path + "': parameter '" + name + "' has rows no task owns,"
            + " so it cannot grow with the tasks");
      }
      ParameterValues.overwrite(target.getArray(), merged);
    }
  }

  /**
   * Freezes every parameter that is not an adapter's, again. Call it after anything that may have
   * unfrozen the tree (DJL's {@code PtModel.newTrainer} does).
   */
  public void freezeBase() {
    checkAttached();
    for (Pair<String, Parameter> parameter : block.getParameters()) {
      parameter.getValue().freeze(true);
    }
    // The adapters (after addTasks: the added tasks' parts) and the included parameters train.
    Set<Parameter> trainable = Collections.newSetFromMap(new IdentityHashMap<>());
    trainable.addAll(namedTrainableParameters().values());
    for (AdapterLayer layer : layers.values()) {
      for (Parameter parameter : layer.adapterParameters().values()) {
        parameter.freeze(!trainable.contains(parameter));
      }
    }
    kept.values().forEach(parameter -> parameter.freeze(true));
    included.values().forEach(parameter -> parameter.freeze(false));
  }

  /** Trainable and total parameter counts, printable as PEFT prints them. */
  public ParameterSummary summary() {
    long all = 0;
    for (Pair<String, Parameter> parameter : block.getParameters()) {
      all += parameter.getValue().getArray().size();
    }
    for (Parameter parameter : filedExtra().values()) {
      all += parameter.getArray().size();
    }
    Map<String, TaskRows> rows = trainableRows();
    long trainable = 0;
    for (Map.Entry<String, Parameter> parameter : namedTrainableParameters().entrySet()) {
      Shape shape = parameter.getValue().getArray().getShape();
      TaskRows partial = rows.get(parameter.getKey());
      trainable += partial == null ? shape.size() : shape.size() / shape.get(0) * partial.count();
    }
    return new ParameterSummary(trainable, all);
  }

  /**
   * Folds every adapter into its base weight. All or nothing: if one layer refuses (a non-finite
   * result, or rank experts that merge only per task), the layers merged so far are unmerged and
   * the error is rethrown.
   */
  public AdaptedModel merge() {
    mergeAll(AdapterLayer::merge);
    return this;
  }

  /**
   * Folds what one task uses into the base weights, so the model serves that task with no adapter
   * cost: task-routed experts merge the task's selected experts, shared adapters merge whole. All
   * or nothing, as {@link #merge()}.
   *
   * @param task a task of the declaration's {@code @TaskRouter}
   * @throws IllegalStateException if the declaration has no task router or the merge is refused
   */
  public AdaptedModel mergeTask(String task) {
    TaskRouterConfig router = spec.taskRouter().orElseThrow(() -> new IllegalStateException(
        spec.declaringType() + " declares no @TaskRouter; merge() merges its shared adapters"));
    int id = router.taskId(task);
    mergeAll(layer -> layer.mergeTask(id));
    return this;
  }

  private void mergeAll(Consumer<AdapterLayer> merge) {
    checkAttached();
    List<AdapterLayer> merged = new ArrayList<>();
    try {
      for (AdapterLayer layer : layers.values()) {
        merge.accept(layer);
        merged.add(layer);
      }
    } catch (RuntimeException e) {
      merged.forEach(AdapterLayer::unmerge);
      throw e;
    }
  }

  /**
   * The experts each task uses now, by layer path and task name (layers that select experts per
   * task only), best-scored first.
   */
  public Map<String, Map<String, int[]>> selectedExperts() {
    Map<String, Map<String, int[]>> selected = new LinkedHashMap<>();
    for (Map.Entry<String, AdapterLayer> layer : layers.entrySet()) {
      Map<String, int[]> byTask = layer.getValue().selectedExperts();
      if (!byTask.isEmpty()) {
        selected.put(layer.getKey(), byTask);
      }
    }
    return selected;
  }

  /** Restores the exact base weights a {@link #merge()} or {@link #mergeTask} replaced. */
  public AdaptedModel unmerge() {
    checkAttached();
    for (AdapterLayer layer : layers.values()) {
      layer.unmerge();
    }
    return this;
  }

  /** Whether the adapters are folded into the base weights. */
  public boolean isMerged() {
    return layers.values().stream().anyMatch(AdapterLayer::isMerged);
  }

  /**
   * Folds every adapter into its base weight and takes the adapters out of the tree, as PEFT's
   * {@code merge_and_unload}: the block is left as the plain base model with merged weights, for
   * serving or saving without rankwise. Every adapted layer is the {@code Linear} it was again,
   * holding {@code W0 + ΔW} and its bias, and the fields that held the adapter hold it; the
   * adapters' arrays are freed. The parameters stay frozen as attaching left them. This model is
   * spent afterwards: attach the spec again to adapt the block anew.
   *
   * @return the block this model adapted
   * @throws IllegalStateException if the adapters are merged already, or an adapter does not merge
   *     whole (token-routed experts never merge; task-routed adapters merge per task, with {@link
   *     #mergeAndUnload(String)}) or its merged weight would not be finite; nothing changes then
   */
  public Block mergeAndUnload() {
    return mergeAndUnload(this::merge, spec.taskRouter().isPresent()
        ? "; for the model of one task call mergeAndUnload(task)" : "");
  }

  /**
   * As {@link #mergeAndUnload()}, folding in what one task uses ({@link #mergeTask}): the block
   * serves that task as a plain model.
   *
   * @param task a task of the declaration's {@code @TaskRouter}
   * @throws IllegalStateException if the declaration has no task router, the adapters are merged
   *     already or the merge is refused; nothing changes then
   */
  public Block mergeAndUnload(String task) {
    return mergeAndUnload(() -> mergeTask(task), "");
  }

  private Block mergeAndUnload(Runnable merge, String hint) {
    checkAttached();
    if (isMerged()) {
      throw new IllegalStateException(
          spec.declaringType() + " is merged already; call unmerge() first, then mergeAndUnload");
    }
    try {
      merge.run();
    } catch (IllegalStateException e) {
      throw new IllegalStateException("cannot merge and unload " + spec.declaringType()
          + ", nothing was changed: " + e.getMessage() + hint, e);
    }
    Attacher.detach(block, layers);
    unloaded = true;
    return block;
  }

  private void checkAttached() {
    if (unloaded) {
      throw new IllegalStateException(
          "the adapters of " + spec.declaringType() + " were merged and unloaded; attach the spec"
              + " again to adapt the block");
    }
  }

  /**
   * Writes {@code adapter_model.safetensors} and {@code adapter_config.json} into the directory,
   * each atomically. Only adapter weights are written, never the base.
   */
  public void save(Path directory) throws IOException {
    checkAttached();
    AdapterFiles.save(directory, spec.declaringType(), tasks(), layers, filedExtra(), Optional.empty());
  }

  /**
   * As {@link #save(Path)}, with what a task classifier needs to be served from the folder alone:
   * the base encoder's name and each task's labels ({@code TaskClassifier.load}).
   */
  public void save(Path directory, ClassifierRecord classifier) throws IOException {
    checkAttached();
    AdapterFiles.save(directory, spec.declaringType(), tasks(), layers, filedExtra(), Optional.of(classifier));
  }

  /**
   * Reads adapter weights saved by {@link #save(Path)} (or by PEFT, for plain LoRA). The files are
   * checked whole before any weight changes, so a bad file leaves the model as it was.
   */
  public AdaptedModel load(Path directory) throws IOException {
    checkAttached();
    AdapterFiles.load(directory, tasks(), layers, filedExtra());
    return this;
  }

  /** What the files hold besides the adapters: the kept parameters, then the included ones. */
  private Map<String, Parameter> filedExtra() {
    Map<String, Parameter> extra = new LinkedHashMap<>(kept);
    extra.putAll(included);
    return extra;
  }

  private List<String> tasks() {
    return spec.taskRouter().map(TaskRouterConfig::tasks).orElse(List.of());
  }
}
