package dev.meta4j.api.data;

/**
 * One task's output.
 *
 * @param name the task's name, used in metric keys ({@code left}, {@code depth})
 * @param outputs the width of the model's output for it (classes, or regression outputs)
 * @param objective how it is trained and scored
 */
public record TaskSpec(String name, int outputs, Objective objective) {
    /** Validates the fields. */
    public TaskSpec {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("task name is empty");
        }
        if (outputs < 1) {
            throw new IllegalArgumentException("task '" + name + "' has " + outputs + " outputs");
        }
    }
}
