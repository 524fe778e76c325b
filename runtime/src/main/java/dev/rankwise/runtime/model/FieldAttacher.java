package dev.rankwise.runtime.model;

import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;

/**
 * Attaches the adapters a block class declares on its fields. Generated code calls {@link
 * #adapt(String, Linear)} once per annotated field, assigns the result back to the field (so the
 * block's own forward pass calls the adapter), then {@link #finish()}.
 */
public final class FieldAttacher {

  private final AdapterSpec spec;
  private final Block root;
  private final long seed;

  FieldAttacher(AdapterSpec spec, Block root, long seed) {
    this.spec = spec;
    this.root = root;
    this.seed = seed;
  }

  /**
   * Wraps the linear layer held by {@code fieldName} in its declared adapter, replaces it in the
   * root block's children (keeping name and order) and returns the adapter, which is itself a
   * {@link Linear}.
   *
   * @throws IllegalStateException if the layer is not a child of the root block or not initialised
   */
  public Linear adapt(String fieldName, Linear layer) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /** Applies the spec's type-level rules, freezes everything that is not an adapter, and returns the model. */
  public AdaptedModel finish() {
    throw new UnsupportedOperationException("not implemented yet");
  }
}
