package dev.rankwise.processor.writing;

import com.palantir.javapoet.ClassName;
import dev.rankwise.processor.model.Declaration;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/** Names of generated classes and constants, from one place. */
public final class GeneratedNames {

  private GeneratedNames() {}

  /** {@code p.Outer.Foo} → {@code p.Outer_Foo_Adapter}. */
  public static ClassName adapter(Declaration declaration) {
    return ClassName.get(declaration.packageName(), flatName(declaration) + "_Adapter");
  }

  private static String flatName(Declaration declaration) {
    return String.join("_", declaration.simpleNames());
  }

  /** Hands out UPPER_SNAKE constant names, never the same one twice. */
  static final class Constants {
    private final Set<String> used = new HashSet<>(Set.of("SPEC"));

    /** {@code queryProj} → {@code QUERY_PROJ}, with a numeric suffix when taken. */
    String of(String name) {
      String constant = name.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
      String candidate = constant;
      for (int suffix = 2; !used.add(candidate); suffix++) {
        candidate = constant + "_" + suffix;
      }
      return candidate;
    }
  }
}
