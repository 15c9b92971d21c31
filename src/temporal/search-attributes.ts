import { defineSearchAttributeKey } from '@temporalio/common';

/** Custom search attributes: find a job by its Kling task, list jobs by model. Registered at server start. */
export const klingTaskIdKey = defineSearchAttributeKey('KlingTaskId', 'KEYWORD');
export const klingModelKey = defineSearchAttributeKey('KlingModel', 'KEYWORD');

export const customSearchAttributes = [klingTaskIdKey, klingModelKey];
