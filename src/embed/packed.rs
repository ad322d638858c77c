//! The model's forward pass over texts packed back to back: the tokens of several texts go
//! through the layers as one matrix with no padding, and attention, the one step where tokens
//! meet, is computed for each text on its own tokens (texts of one length together, as a
//! batch). Each text gets the vector it would get alone (to float rounding); what changes is
//! the cost. On one core a pass costs a few milliseconds however little it carries (the 42 MB
//! of weights are read from memory once per pass) plus about 0.3 ms per token, padding
//! included. A message's question and its clauses, of very different lengths, took two or
//! three padded batches; packed, they take one pass, unpadded.
//!
//! This module owns the layers' arithmetic and the mean pooling; tokenizing and normalising
//! the vectors belong to [`super::Model`].

use std::ops::Range;

use candle_core::{Module, Tensor, D};
use candle_nn::{Embedding, LayerNorm, Linear, VarBuilder};
use serde::Deserialize;
use tokenizers::Encoding;

/// At most this many tokens in one pass. Many short texts use the CPU better together than
/// one at a time (2,000 questions on both cores: 7.4 s in batches of 8, 4.3 s in batches of
/// this size); the cap bounds a pass's memory.
const PASS_TOKENS: usize = 2048;

/// The model's `config.json`: the sizes this forward pass needs (other keys are ignored).
#[derive(Debug, Deserialize)]
pub(super) struct Config {
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub intermediate_size: usize,
    pub max_position_embeddings: usize,
    pub type_vocab_size: usize,
    pub layer_norm_eps: f64,
    /// The activation; only "gelu", BERT's exact form, is computed here.
    pub hidden_act: String,
}

/// The embedding layer and the transformer: the model without its tokenizer.
pub(super) struct Encoder {
    words: Embedding,
    positions: Embedding,
    token_types: Embedding,
    norm: LayerNorm,
    layers: Vec<Layer>,
    heads: usize,
}

/// One transformer layer, named as in the model's weights file.
struct Layer {
    query: Dense,
    key: Dense,
    value: Dense,
    attention_output: Dense,
    attention_norm: LayerNorm,
    intermediate: Dense,
    output: Dense,
    output_norm: LayerNorm,
}

/// A dense layer, `x W^T + b`, over a pass's `[tokens, inputs]` rows: candle's [`Linear`],
/// loaded as candle loads it, multiplied the way that suits the number of rows.
struct Dense(Linear);

/// Below this many rows, a dense layer computes `(W x^T)^T` instead of `x W^T`. The matrix
/// library first copies the operand that runs along the output's rows into its own layout:
/// as `x W^T` that is the weights, one strided float at a time, on every call (a quarter of a
/// short message's time), and as `(W x^T)^T` it is the rows, while the weights are read where
/// they are. Read in place they cost more per row, so from about this many rows on the copy
/// pays for itself (measured on one core for the model's three shapes: at 16 rows `(W x^T)^T`
/// takes 0.7 times as long, at 64 the same, at 128 1.3 times as long).
const ROWS_WORTH_COPYING_WEIGHTS: usize = 64;

impl Dense {
    fn load(inputs: usize, outputs: usize, weights: VarBuilder) -> candle_core::Result<Dense> {
        candle_nn::linear(inputs, outputs, weights).map(Dense)
    }

    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let weight = self.0.weight();
        let product = if x.dim(0)? < ROWS_WORTH_COPYING_WEIGHTS {
            weight.matmul(&x.t()?)?.t()?.contiguous()?
        } else {
            x.matmul(&weight.t()?)?
        };
        match self.0.bias() {
            Some(bias) => product.broadcast_add(bias),
            None => Ok(product),
        }
    }
}

impl Layer {
    fn load(weights: VarBuilder, config: &Config) -> candle_core::Result<Layer> {
        let (hidden, intermediate) = (config.hidden_size, config.intermediate_size);
        let norm = |name: &str| candle_nn::layer_norm(hidden, config.layer_norm_eps, weights.pp(name));
        Ok(Layer {
            query: Dense::load(hidden, hidden, weights.pp("attention.self.query"))?,
            key: Dense::load(hidden, hidden, weights.pp("attention.self.key"))?,
            value: Dense::load(hidden, hidden, weights.pp("attention.self.value"))?,
            attention_output: Dense::load(hidden, hidden, weights.pp("attention.output.dense"))?,
            attention_norm: norm("attention.output.LayerNorm")?,
            intermediate: Dense::load(hidden, intermediate, weights.pp("intermediate.dense"))?,
            output: Dense::load(intermediate, hidden, weights.pp("output.dense"))?,
            output_norm: norm("output.LayerNorm")?,
        })
    }
}

impl Encoder {
    pub fn load(weights: VarBuilder, config: &Config) -> candle_core::Result<Encoder> {
        let embeddings = weights.pp("embeddings");
        let hidden = config.hidden_size;
        let embedding = |rows: usize, name: &str| candle_nn::embedding(rows, hidden, embeddings.pp(name));
        Ok(Encoder {
            words: embedding(config.vocab_size, "word_embeddings")?,
            positions: embedding(config.max_position_embeddings, "position_embeddings")?,
            token_types: embedding(config.type_vocab_size, "token_type_embeddings")?,
            norm: candle_nn::layer_norm(hidden, config.layer_norm_eps, embeddings.pp("LayerNorm"))?,
            layers: (0..config.num_hidden_layers)
                .map(|i| Layer::load(weights.pp(format!("encoder.layer.{i}")), config))
                .collect::<candle_core::Result<_>>()?,
            heads: config.num_attention_heads,
        })
    }

    /// The mean of each text's token vectors, in the order given (not yet normalised).
    pub fn pooled(&self, encodings: &[&Encoding]) -> candle_core::Result<Vec<Vec<f32>>> {
        let lengths: Vec<usize> = encodings.iter().map(|e| e.get_ids().len()).collect();
        let mut pooled = Vec::with_capacity(encodings.len());
        for texts in passes(&lengths) {
            pooled.extend(self.pass(&encodings[texts])?);
        }
        Ok(pooled)
    }

    fn pass(&self, encodings: &[&Encoding]) -> candle_core::Result<Vec<Vec<f32>>> {
        // The texts go in by length, so that attention can take each length's texts as one
        // batch; every other step works row by row and does not care about the order.
        let mut by_length: Vec<usize> = (0..encodings.len()).collect();
        by_length.sort_by_key(|&text| encodings[text].get_ids().len());
        let mut spans: Vec<Range<usize>> = vec![0..0; encodings.len()];
        let (mut ids, mut types, mut positions) = (Vec::new(), Vec::new(), Vec::new());
        for &text in &by_length {
            let encoding = encodings[text];
            let start = ids.len();
            ids.extend_from_slice(encoding.get_ids());
            types.extend_from_slice(encoding.get_type_ids());
            positions.extend(0..encoding.get_ids().len() as u32);
            spans[text] = start..ids.len();
        }
        let tokens = ids.len();
        let tensor = |values: Vec<u32>| Tensor::from_vec(values, tokens, &candle_core::Device::Cpu);
        // Summed as the reference implementation sums them: words and token types, then
        // positions (counted from each text's start, as if it were alone).
        let embedded = (self.words.forward(&tensor(ids)?)? + self.token_types.forward(&tensor(types)?)?)?;
        let mut hidden = self.norm.forward(&(embedded + self.positions.forward(&tensor(positions)?)?)?)?;
        let groups = length_groups(by_length.iter().map(|&text| spans[text].len()));
        for layer in &self.layers {
            hidden = self.layer(layer, &hidden, &groups)?;
        }
        let hidden = hidden.to_vec2::<f32>()?;
        // Pooled back in the callers' order.
        Ok(spans
            .into_iter()
            .map(|span| {
                let count = span.len().max(1) as f32;
                let mut sum = vec![0.0f32; hidden.first().map_or(0, Vec::len)];
                for token in &hidden[span] {
                    sum.iter_mut().zip(token).for_each(|(s, v)| *s += v);
                }
                sum.into_iter().map(|s| s / count).collect()
            })
            .collect())
    }

    /// One layer over the packed tokens `[tokens, hidden]`.
    /// `groups` are the runs of texts of one length, `(texts, length)`, in the rows' order.
    fn layer(&self, layer: &Layer, hidden: &Tensor, groups: &[(usize, usize)]) -> candle_core::Result<Tensor> {
        let width = hidden.dim(D::Minus1)?;
        let head_size = width / self.heads;
        let scale = (head_size as f64).sqrt();
        let (query, key, value) =
            (layer.query.forward(hidden)?, layer.key.forward(hidden)?, layer.value.forward(hidden)?);
        let mut contexts = Vec::with_capacity(groups.len());
        let mut start = 0;
        for &(texts, length) in groups {
            let rows = texts * length;
            // The group's rows as [texts, heads, tokens, head size].
            let heads = |t: &Tensor| {
                t.narrow(0, start, rows)?.reshape((texts, length, self.heads, head_size))?.transpose(1, 2)?.contiguous()
            };
            let (q, k, v) = (heads(&query)?, heads(&key)?, heads(&value)?);
            let weights = candle_nn::ops::softmax_last_dim(&(q.matmul(&k.t()?)? / scale)?)?;
            contexts.push(weights.matmul(&v)?.transpose(1, 2)?.reshape((rows, width))?);
            start += rows;
        }
        let context = Tensor::cat(&contexts, 0)?;
        let attended = layer.attention_norm.forward(&(layer.attention_output.forward(&context)? + hidden)?)?;
        let intermediate = gelu(&layer.intermediate.forward(&attended)?)?;
        layer.output_norm.forward(&(layer.output.forward(&intermediate)? + attended)?)
    }
}

/// Runs of texts of one length, `(texts, length)`, from the texts' lengths in ascending order:
/// attention runs on a few batches of texts of one length instead of text by text, since many
/// small operations each cost a dispatch (on two cores, text by text ran 2,000 short questions
/// 12% slower than padded batches).
fn length_groups(sorted_lengths: impl Iterator<Item = usize>) -> Vec<(usize, usize)> {
    let mut groups: Vec<(usize, usize)> = Vec::new();
    for length in sorted_lengths {
        match groups.last_mut() {
            Some((count, run_length)) if *run_length == length => *count += 1,
            _ => groups.push((1, length)),
        }
    }
    groups
}

/// The activation the model was trained with, GELU in its exact form, `x/2 (1 + erf(x/√2))`.
/// candle computes it through a library `erf`, one value per call: 15% of a message's time.
/// This is the same function in plain arithmetic the compiler turns into vector instructions,
/// within 1e-6 of it.
fn gelu(x: &Tensor) -> candle_core::Result<Tensor> {
    let mut values = x.flatten_all()?.to_vec1::<f32>()?;
    gelu_in_place(&mut values);
    Tensor::from_vec(values, x.shape(), x.device())
}

/// Compiled also for AVX2 with FMA and chosen at run time where the CPU has them: eight
/// values an instruction instead of the baseline's four, and half the activation's time.
#[multiversion::multiversion(targets("x86_64+avx2+fma"))]
fn gelu_in_place(values: &mut [f32]) {
    values.iter_mut().for_each(|v| *v = gelu_of(*v));
}

#[inline(always)]
fn gelu_of(x: f32) -> f32 {
    // erfc(z) for z >= 0 by the Chebyshev fit of Numerical Recipes (`erfcc`, fractional
    // error below 1.2e-7), then erf(z) = 1 - erfc(z), odd in z.
    let z = (x * std::f32::consts::FRAC_1_SQRT_2).abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let fit = -1.265_512_2
        + t * (1.000_023_7
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_204 + t * (1.488_515_9 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let erf = (1.0 - t * exp(fit - z * z)).copysign(x);
    0.5 * x * (1.0 + erf)
}

/// e^x for x <= 0, to float precision: x = n ln 2 + r with |r| <= ln 2 / 2, e^r by its
/// Taylor series, 2^n put straight into the exponent bits. (`f32::exp` is a library call the
/// compiler cannot vectorise, and so is a float-to-integer `as`, which saturates.)
#[inline(always)]
fn exp(x: f32) -> f32 {
    // Below -87, e^x is under the smallest normal float: the clamp keeps 2^n one.
    let x = x.max(-87.0);
    // Adding 1.5 x 2^23 leaves no bits for a fraction: the sum is rounded to an integer n,
    // and n is in its low bits.
    const ROUND: f32 = 12_582_912.0;
    let shifted = x * std::f32::consts::LOG2_E + ROUND;
    let n = shifted - ROUND;
    let r = x - n * std::f32::consts::LN_2;
    let series =
        1.0 + r * (1.0 + r * (0.5 + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0))))));
    let exponent = shifted.to_bits().wrapping_sub(ROUND.to_bits()).wrapping_add(127) << 23;
    series * f32::from_bits(exponent)
}

/// The texts, by their token counts, cut into runs of consecutive texts of at most
/// [`PASS_TOKENS`] tokens in all (a longer text, which truncation rules out, would go alone).
fn passes(lengths: &[usize]) -> Vec<Range<usize>> {
    let mut passes: Vec<Range<usize>> = Vec::new();
    let mut tokens = 0;
    for (text, &length) in lengths.iter().enumerate() {
        match passes.last_mut() {
            Some(pass) if tokens + length <= PASS_TOKENS => {
                pass.end = text + 1;
                tokens += length;
            }
            _ => {
                passes.push(text..text + 1);
                tokens = length;
            }
        }
    }
    passes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passes_take_consecutive_texts_up_to_the_token_budget() {
        assert_eq!(passes(&[2000, 40, 8, 10, 2048, 1, 1]), [0..3, 3..4, 4..5, 5..7]);
        assert_eq!(passes(&[3000, 5]), [0..1, 1..2]);
        assert!(passes(&[]).is_empty());
    }

    #[test]
    fn attention_groups_runs_of_one_length() {
        assert_eq!(length_groups([2, 3, 3, 7].into_iter()), [(1, 2), (2, 3), (1, 7)]);
        assert!(length_groups(std::iter::empty()).is_empty());
    }

    #[test]
    fn a_dense_layer_gives_a_row_the_same_result_however_many_rows_it_is_given() {
        let device = &candle_core::Device::Cpu;
        let weight = Tensor::randn(0f32, 1.0, (48, 32), device).unwrap();
        let bias = Tensor::randn(0f32, 1.0, 48, device).unwrap();
        let dense = Dense(Linear::new(weight.clone(), Some(bias.clone())));
        let rows = Tensor::randn(0f32, 1.0, (ROWS_WORTH_COPYING_WEIGHTS * 2, 32), device).unwrap();
        let few: Vec<Vec<f32>> = dense.forward(&rows.narrow(0, 0, 5).unwrap()).unwrap().to_vec2().unwrap();
        let many: Vec<Vec<f32>> = dense.forward(&rows).unwrap().to_vec2().unwrap();
        let by_hand = rows.matmul(&weight.t().unwrap()).unwrap().broadcast_add(&bias).unwrap();
        let by_hand: Vec<Vec<f32>> = by_hand.to_vec2().unwrap();
        for (row, expected) in by_hand.iter().enumerate() {
            let computed = if row < 5 { [&few[row], &many[row]].to_vec() } else { vec![&many[row]] };
            for values in computed {
                for (a, b) in values.iter().zip(expected) {
                    assert!((a - b).abs() <= 1e-4 * b.abs().max(1.0), "row {row}: {a} vs {b}");
                }
            }
        }
    }

    #[test]
    fn gelu_agrees_with_candles_exact_gelu() {
        let inputs: Vec<f32> = (-4000..=4000).map(|i| i as f32 / 200.0).chain([-100.0, 100.0, 0.0]).collect();
        let x = Tensor::new(inputs.as_slice(), &candle_core::Device::Cpu).unwrap();
        let ours: Vec<f32> = gelu(&x).unwrap().to_vec1().unwrap();
        let reference: Vec<f32> = x.gelu_erf().unwrap().to_vec1().unwrap();
        for ((input, a), b) in inputs.iter().zip(&ours).zip(&reference) {
            assert!((a - b).abs() <= 1e-6 * b.abs().max(1.0), "gelu({input}): {a} vs {b}");
        }
    }
}
