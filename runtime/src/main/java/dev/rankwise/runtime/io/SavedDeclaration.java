package dev.rankwise.runtime.io;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an adapter folder's {@code adapter_config.json} records of the declaration it was saved with.
 *
 * @param file the config file, for error messages
 * @param declaringType the type that declared the adapters
 * @param tasks the tasks it routes, in order; empty without a task router
 * @param layers each adapted layer's record by block path, in file order: its {@code kind} and
 *     settings as strings, booleans and numbers
 */
public record SavedDeclaration(
    Path file, String declaringType, List<String> tasks, Map<String, Map<String, Object>> layers) {

  public SavedDeclaration {
    tasks = List.copyOf(tasks);
    layers = Collections.unmodifiableMap(new LinkedHashMap<>(layers));
  }
}
