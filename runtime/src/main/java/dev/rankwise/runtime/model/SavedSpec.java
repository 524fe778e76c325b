package dev.rankwise.runtime.model;

import dev.rankwise.runtime.AdapterKind;
import dev.rankwise.runtime.io.AdapterFileException;
import dev.rankwise.runtime.io.AdapterFiles;
import dev.rankwise.runtime.io.SavedDeclaration;
import dev.rankwise.runtime.route.TaskRouterConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The declaration an adapter folder was saved with, rebuilt from the per-layer records of its
 * {@code adapter_config.json}: every recorded layer becomes a target rule on its exact block path,
 * its config read back by the kind the record names ({@link AdapterKind#readRecord}), under the
 * recorded tasks, so the folder attaches to its base without the type that declared it, and the
 * load's check that each record equals its attached layer holds by construction.
 */
final class SavedSpec {

  private SavedSpec() {}

  /** See {@link AdapterSpec#read(Path)}. */
  static AdapterSpec read(Path directory) throws IOException {
    SavedDeclaration saved = AdapterFiles.readDeclaration(directory);
    Optional<TaskRouterConfig> router = router(saved);
    AdapterSpec.Builder builder = AdapterSpec.builder(saved.declaringType());
    for (Map.Entry<String, Map<String, Object>> layer : saved.layers().entrySet()) {
      try {
        builder.target(kind(layer.getValue()).readRecord(layer.getValue(), router), layer.getKey());
      } catch (IllegalArgumentException e) {
        throw new AdapterFileException(saved.file(), "layer '" + layer.getKey() + "' " + e.getMessage());
      }
    }
    router.ifPresent(builder::optTaskRouter);
    return builder.build();
  }

  /**
   * The recorded tasks with the router settings that task-routed layers record, which must agree:
   * one declaration has one router.
   */
  private static Optional<TaskRouterConfig> router(SavedDeclaration saved) throws AdapterFileException {
    if (saved.tasks().isEmpty()) {
      return Optional.empty();
    }
    String first = null;
    TaskRouterConfig router = new TaskRouterConfig(saved.tasks(), false, 0);
    for (Map.Entry<String, Map<String, Object>> layer : saved.layers().entrySet()) {
      Optional<TaskRouterConfig> recorded;
      try {
        recorded = kind(layer.getValue()).readRouting(layer.getValue(), saved.tasks());
      } catch (IllegalArgumentException e) {
        throw new AdapterFileException(saved.file(), "layer '" + layer.getKey() + "' " + e.getMessage());
      }
      if (recorded.isEmpty()) {
        continue;
      }
      if (first == null) {
        first = layer.getKey();
        router = recorded.get();
      } else if (!router.equals(recorded.get())) {
        throw new AdapterFileException(saved.file(), "layers '" + first + "' and '" + layer.getKey()
            + "' record different task routing (adaptive " + router.adaptive() + " vs " + recorded.get().adaptive()
            + ", contrastive " + router.contrastive() + " vs " + recorded.get().contrastive()
            + "); one declaration has one router");
      }
    }
    return Optional.of(router);
  }

  private static AdapterKind<?> kind(Map<String, Object> record) {
    Object name = record.get("kind");
    if (!(name instanceof String kind)) {
      throw new IllegalArgumentException("records no adapter kind");
    }
    return AdapterKind.named(kind).orElseThrow(() -> new IllegalArgumentException("holds adapter kind '" + kind
        + "', which this rankwise does not know (it knows " + String.join(" and ", AdapterKind.names()) + ")"));
  }
}
