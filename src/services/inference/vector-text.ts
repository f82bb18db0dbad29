/** pgvector's text form, `[0.1,0.2,...]`: what a parameter is cast from with `::vector`. */
export const toVectorText = (vector: ReadonlyArray<number>): string => `[${vector.join(',')}]`;
