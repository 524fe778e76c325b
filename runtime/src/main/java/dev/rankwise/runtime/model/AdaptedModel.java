package dev.rankwise.runtime.model;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import dev.rankwise.runtime.AdapterLayer;
import dev.rankwise.runtime.io.AdapterFiles;
import dev.rankwise.runtime.io.ClassifierRecord;
import dev.rankwise.runtime.route.TaskRouterConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
      for (Map.Entry<String, Parameter> parameter : layer.getValue().adapterParameters().entrySet()) {
        if (!frozen.contains(parameter.getValue())) {
          trainable.put(AdapterFiles.key(layer.getKey(), parameter.getKey()), parameter.getValue());
        }
      }
    }
    trainable.putAll(included);
    return trainable;
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
    included.putAll(parameters);
    return this;
  }

  /** The included parameters by key. */
  public Map<String, Parameter> includedParameters() {
    return Collections.unmodifiableMap(included);
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
    for (AdapterLayer layer : layers.values()) {
      for (Parameter parameter : layer.adapterParameters().values()) {
        parameter.freeze(false);
      }
    }
    included.values().forEach(parameter -> parameter.freeze(false));
    frozenRouting().forEach(parameter -> parameter.freeze(true));
  }

  /** Trainable and total parameter counts, printable as PEFT prints them. */
  public ParameterSummary summary() {
    long all = 0;
    for (Pair<String, Parameter> parameter : block.getParameters()) {
      all += parameter.getValue().getArray().size();
    }
    for (Parameter parameter : included.values()) {
      all += parameter.getArray().size();
    }
    long trainable = 0;
    for (Parameter parameter : trainableParameters()) {
      trainable += parameter.getArray().size();
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
    AdapterFiles.save(directory, spec.declaringType(), tasks(), layers, included, Optional.empty());
  }

  /**
   * As {@link #save(Path)}, with what a task classifier needs to be served from the folder alone:
   * the base encoder's name and each task's labels ({@code TaskClassifier.load}).
   */
  public void save(Path directory, ClassifierRecord classifier) throws IOException {
    checkAttached();
    AdapterFiles.save(directory, spec.declaringType(), tasks(), layers, included, Optional.of(classifier));
  }

  /**
   * Reads adapter weights saved by {@link #save(Path)} (or by PEFT, for plain LoRA). The files are
   * checked whole before any weight changes, so a bad file leaves the model as it was.
   */
  public AdaptedModel load(Path directory) throws IOException {
    checkAttached();
    AdapterFiles.load(directory, tasks(), layers, included);
    return this;
  }

  private List<String> tasks() {
    return spec.taskRouter().map(TaskRouterConfig::tasks).orElse(List.of());
  }
}
