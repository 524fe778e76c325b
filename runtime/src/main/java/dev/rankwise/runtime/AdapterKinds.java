package dev.rankwise.runtime;

import ai.djl.nn.core.Linear;
import dev.rankwise.runtime.route.TaskRouterConfig;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * The registry of {@link AdapterKind}s: every kind the class path lists, by the config type it
 * reads (PEFT's {@code PEFT_TYPE_TO_TUNER_MAPPING}). Loaded once, checked for clashes.
 */
final class AdapterKinds {

  private static final Map<Class<?>, AdapterKind<?>> BY_CONFIG = load();
  private static final Map<String, AdapterKind<?>> BY_NAME = byName();

  private AdapterKinds() {}

  static AdapterKind<?> of(AdapterConfig config) {
    AdapterKind<?> kind = BY_CONFIG.get(config.getClass());
    if (kind == null) {
      throw new IllegalArgumentException(
          "no adapter kind reads " + config.getClass().getName() + "; known kinds read "
              + BY_CONFIG.keySet().stream().map(Class::getSimpleName).toList()
              + ". Register its AdapterKind in META-INF/services/" + AdapterKind.class.getName());
    }
    return kind;
  }

  static Optional<AdapterKind<?>> named(String name) {
    return Optional.ofNullable(BY_NAME.get(name));
  }

  static List<String> names() {
    return List.copyOf(BY_NAME.keySet());
  }

  static <C extends AdapterConfig> AdapterLayer create(
      AdapterKind<C> kind, Linear base, AdapterConfig config, Optional<TaskRouterConfig> router,
      long seed) {
    return kind.wrap(base, kind.configType().cast(config), router, seed);
  }

  private static Map<String, AdapterKind<?>> byName() {
    Map<String, AdapterKind<?>> byName = new LinkedHashMap<>();
    BY_CONFIG.values().forEach(kind -> byName.put(kind.name(), kind));
    return Collections.unmodifiableMap(byName);
  }

  private static Map<Class<?>, AdapterKind<?>> load() {
    Map<Class<?>, AdapterKind<?>> byConfig = new LinkedHashMap<>();
    Map<String, AdapterKind<?>> byName = new LinkedHashMap<>();
    for (AdapterKind<?> kind : ServiceLoader.load(AdapterKind.class, AdapterKind.class.getClassLoader())) {
      AdapterKind<?> sameConfig = byConfig.putIfAbsent(kind.configType(), kind);
      AdapterKind<?> sameName = byName.putIfAbsent(kind.name(), kind);
      AdapterKind<?> clash = sameConfig != null ? sameConfig : sameName;
      if (clash != null) {
        throw new IllegalStateException(
            "adapter kinds " + clash.getClass().getName() + " and " + kind.getClass().getName()
                + " both claim " + (sameConfig != null ? kind.configType().getName() : "the name " + kind.name())
                + "; list only one of them in META-INF/services/" + AdapterKind.class.getName());
      }
    }
    return Collections.unmodifiableMap(byConfig);
  }
}
