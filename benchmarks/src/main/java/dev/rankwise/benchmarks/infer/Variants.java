package dev.rankwise.benchmarks.infer;

import ai.djl.ndarray.NDManager;
import dev.rankwise.benchmarks.Fixture;
import dev.rankwise.benchmarks.Setup;
import dev.rankwise.benchmarks.workload.Workload;
import dev.rankwise.runtime.model.AdaptedModel;
import java.io.IOException;
import java.util.List;

/**
 * The forward passes the inference figures compare, by name: {@code base} (the frozen model),
 * {@code unmerged} and {@code merged} (with the setup's adapters), {@code single} and {@code mixed}
 * (the setup's task-routed adapters on a batch of one task, or of its tasks dealt round-robin).
 */
public final class Variants {

  /** The base model and the adapters unmerged and merged. */
  public static final List<String> MERGE = List.of("base", "unmerged", "merged");

  /** A one-task and a mixed-task batch. */
  public static final List<String> MIXED = List.of("single", "mixed");

  private Variants() {}

  /** The named pass of {@code setup}, its model in {@code manager}. */
  public static ForwardPass load(Setup setup, String variant, NDManager manager) throws IOException {
    Workload workload = setup.workload();
    switch (variant) {
      case "base" -> {
        return new ForwardPass(workload.newBase(manager), workload.input(manager), null);
      }
      case "unmerged", "merged" -> {
        AdaptedModel model = Fixture.adapted(setup, manager);
        if (variant.equals("merged")) {
          model.merge();
        }
        return new ForwardPass(model.block(), workload.input(manager), null);
      }
      case "single", "mixed" -> {
        return new ForwardPass(Fixture.adapted(setup, manager).block(), workload.input(manager),
            Fixture.taskIds(manager, Workload.BATCH, setup.tasks().size(), variant.equals("mixed")));
      }
      default -> throw new IllegalArgumentException("no inference variant '" + variant + "'; the variants are "
          + MERGE + " and " + MIXED);
    }
  }
}
