package dev.rankwise.runtime.model;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import dev.rankwise.runtime.AdapterLayer;
import dev.rankwise.runtime.io.AdapterFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A block tree with adapters attached and everything else frozen: the handle for training,
 * merging, unmerging, saving and loading the adapters.
 */
public final class AdaptedModel {

  private final AdapterSpec spec;
  private final Block block;
  private final Map<String, AdapterLayer> layers;

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

  /** Every adapter parameter, the only parameters that train. */
  public List<Parameter> trainableParameters() {
    List<Parameter> trainable = new ArrayList<>();
    for (AdapterLayer layer : layers.values()) {
      trainable.addAll(layer.adapterParameters().values());
    }
    return trainable;
  }

  /**
   * Freezes every parameter that is not an adapter's, again. Call it after anything that may have
   * unfrozen the tree (DJL's {@code PtModel.newTrainer} does).
   */
  public void freezeBase() {
    FieldAttacher.freeze(block, layers);
  }

  /** Trainable and total parameter counts, printable as PEFT prints them. */
  public ParameterSummary summary() {
    long all = 0;
    for (Pair<String, Parameter> parameter : block.getParameters()) {
      all += parameter.getValue().getArray().size();
    }
    long trainable = 0;
    for (Parameter parameter : trainableParameters()) {
      trainable += parameter.getArray().size();
    }
    return new ParameterSummary(trainable, all);
  }

  /**
   * Folds every adapter into its base weight. All or nothing: if one layer refuses (a non-finite
   * result), the layers merged so far are unmerged and the error is rethrown.
   */
  public AdaptedModel merge() {
    List<AdapterLayer> merged = new ArrayList<>();
    try {
      for (AdapterLayer layer : layers.values()) {
        layer.merge();
        merged.add(layer);
      }
    } catch (RuntimeException e) {
      merged.forEach(AdapterLayer::unmerge);
      throw e;
    }
    return this;
  }

  /** Restores the exact base weights a {@link #merge()} replaced. */
  public AdaptedModel unmerge() {
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
   * Writes {@code adapter_model.safetensors} and {@code adapter_config.json} into the directory,
   * each atomically. Only adapter weights are written, never the base.
   */
  public void save(Path directory) throws IOException {
    AdapterFiles.save(directory, spec, layers);
  }

  /**
   * Reads adapter weights saved by {@link #save(Path)} (or by PEFT, for plain LoRA). The files are
   * checked whole before any weight changes, so a bad file leaves the model as it was.
   */
  public AdaptedModel load(Path directory) throws IOException {
    AdapterFiles.load(directory, spec, layers);
    return this;
  }
}
