package dev.rankwise.runtime.model;

import ai.djl.nn.Block;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A block tree with adapters attached and everything else frozen: the handle for training,
 * merging, unmerging, saving and loading the adapters.
 */
public final class AdaptedModel {

  /** The adapted block tree (the same object that was attached to). */
  public Block block() {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /** The spec the adapters came from. */
  public AdapterSpec spec() {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /** Trainable and total parameter counts, printable as PEFT prints them. */
  public ParameterSummary summary() {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /** Folds every adapter into its base weight after checking the result is finite. */
  public AdaptedModel merge() {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /** Restores the exact base weights a {@link #merge()} replaced. */
  public AdaptedModel unmerge() {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /** Writes {@code adapter_model.safetensors} and {@code adapter_config.json} into the directory. */
  public void save(Path directory) throws IOException {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /** Reads adapter weights saved by {@link #save(Path)} (or by PEFT, for plain LoRA). */
  public AdaptedModel load(Path directory) throws IOException {
    throw new UnsupportedOperationException("not implemented yet");
  }
}
