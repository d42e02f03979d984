package dev.meta4j.api.model;

/** Whether a forward pass is part of training (batch statistics, dropout) or evaluation. */
public enum ForwardMode {
    /** Training: batch norm uses the batch's statistics. */
    TRAIN,
    /** Evaluation. */
    EVAL
}
