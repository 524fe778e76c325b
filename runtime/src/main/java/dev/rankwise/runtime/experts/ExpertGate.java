package dev.rankwise.runtime.experts;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.rankwise.runtime.AdapterLayer;
import dev.rankwise.runtime.route.TaskRouterConfig;
import java.util.Map;
import java.util.Optional;

/**
 * How rank experts choose which of their {@code R} rank-1 experts an input uses: the gate {@code g}
 * of {@code ΔW = s · B diag(g) A}. One class per mode: {@link TaskGate}, {@link AdaptiveTaskGate},
 * {@link TokenRouter}. A gate creates its parameters through its layer, after the experts.
 */
interface ExpertGate {

  /** The {@code routing} a task-routed layer records in its file record. */
  String BY_TASK = "TASK";

  /** The gate's parameters by file name, in file order. */
  Map<String, Parameter> parameters();

  /**
   * The gates of this input, broadcastable against the experts' hidden values (..., R); the
   * gate's auxiliary losses go to the current {@link dev.rankwise.runtime.internal.RoutingContext}.
   *
   * @param input the layer's input in its own shape, before dropout
   */
  NDArray gates(ParameterStore store, NDArray input, boolean training);

  /**
   * The rows of the gate's parameters that only task {@code task} reads, by file name; empty for a
   * gate that routes by token (see {@code AdapterLayer.taskParameters}).
   */
  default Map<String, AdapterLayer.TaskRows> taskRows(int task) {
    return Map.of();
  }

  /** The task routing, empty for a gate that routes by token. */
  Optional<TaskRouterConfig> router();

  /**
   * The experts task {@code task} uses now, best-scored first.
   *
   * @throws IllegalStateException if the gate routes by token
   */
  int[] selectedExperts(int task);

  /** Adds the gate's part of the layer's file record: {@code routing}, {@code adaptive}, {@code contrastive}. */
  void addToRecord(Map<String, Object> record);
}
