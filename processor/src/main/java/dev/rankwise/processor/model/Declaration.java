package dev.rankwise.processor.model;

import java.util.List;
import java.util.Optional;
import javax.lang.model.element.TypeElement;

/**
 * One annotated type's whole declaration, validated: its type-level adapter, its annotated fields
 * and its task router.
 *
 * @param type the annotated type, the generated files' originating element
 * @param packageName the type's package
 * @param simpleNames the simple names from the outermost type to this one ({@code Outer}, {@code Foo})
 * @param canonicalName the type's canonical name
 * @param typeAdapter the adapter declared on the type itself, with targets
 * @param fields the adapters declared on fields, in declaration order
 * @param router the task router, if declared
 */
public record Declaration(
    TypeElement type,
    String packageName,
    List<String> simpleNames,
    String canonicalName,
    Optional<AdapterDeclaration> typeAdapter,
    List<FieldDeclaration> fields,
    Optional<RouterDeclaration> router) {

  /** Copies the lists. */
  public Declaration {
    simpleNames = List.copyOf(simpleNames);
    fields = List.copyOf(fields);
  }

  /** An adapter declaration: {@code @Lora} or {@code @RankExperts}. */
  public sealed interface AdapterDeclaration permits LoraDeclaration, RankExpertsDeclaration {
    /** Block-path patterns (type-level only). */
    List<String> targets();
  }

  /** A {@code @Lora}. */
  public record LoraDeclaration(
      int rankA, int rankB, double alpha, double dropout, String mixer, boolean rsLora,
      boolean perTask, List<String> targets) implements AdapterDeclaration {
    /** Copies the list. */
    public LoraDeclaration {
      targets = List.copyOf(targets);
    }
  }

  /** A {@code @RankExperts}. */
  public record RankExpertsDeclaration(
      int count, int topK, double alpha, double dropout, double balance, List<String> targets)
      implements AdapterDeclaration {
    /** Copies the list. */
    public RankExpertsDeclaration {
      targets = List.copyOf(targets);
    }
  }

  /** An adapter on a field. */
  public record FieldDeclaration(String name, AdapterDeclaration adapter) {}

  /** A {@code @TaskRouter}. */
  public record RouterDeclaration(List<String> tasks, boolean adaptive, double contrastive) {
    /** Copies the list. */
    public RouterDeclaration {
      tasks = List.copyOf(tasks);
    }
  }
}
