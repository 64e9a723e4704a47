# source: https://github.com/wanasit/katakana/blob/c06a2626eb74c2425ac1f3553165ea0025659d72/notebooks/Attention-based%20Sequence-to-Sequence%20in%20Keras.ipynb
# license: MIT (declared in the repository's setup.py; the repository has no LICENSE file)
# kerasmagic-corpus: rebuilt around the author's Keras calls (kept as written); the rest is written here
from __future__ import print_function

import sys
import os
import numpy as np

from keras.layers import Input, Embedding, LSTM, TimeDistributed, Dense
from keras.models import Model, load_model

INPUT_LENGTH = 20
OUTPUT_LENGTH = 20


class encoding:
    # kerasmagic-corpus: katakana/encoding.py from the same commit, inlined (the notebook imports it
    # with `from katakana import encoding` after a sys.path change)
    CHAR_CODE_START = 1
    CHAR_CODE_PADDING = 0

    @staticmethod
    def build_characters_encoding(names):
        count = 2
        encoding = {}
        decoding = {1: 'START'}
        for c in set([c for name in names for c in name]):
            encoding[c] = count
            decoding[count] = c
            count += 1
        return encoding, decoding, count

    @staticmethod
    def transform(encoding, data, vector_size=20):
        transformed_data = np.zeros(shape=(len(data), vector_size), dtype='int')
        for i in range(len(data)):
            for j in range(min(len(data[i]), vector_size)):
                transformed_data[i][j] = encoding[data[i][j]]
        return transformed_data


# kerasmagic-corpus: synthetic data: the notebook reads ../data/joined_titles.csv (English titles and
# their katakana) with pandas; here 400 invented lowercase names (every letter and the space occur)
# and a character-by-character katakana rendering of each
rng = np.random.default_rng(7)
alphabet = 'abcdefghijklmnopqrstuvwxyz '
kana = [chr(0x30A2 + 2 * i) for i in range(27)]
data_input = ['the quick brown fox jumps over a lazy dog']
while len(data_input) < 400:
    data_input.append(''.join(rng.choice(list(alphabet[:26]), rng.integers(3, 8))) + ' ' +
                      ''.join(rng.choice(list(alphabet[:26]), rng.integers(3, 8))))
data_output = [''.join(kana[alphabet.index(c)] for c in s) for s in data_input]
print(data_input[0], data_output[0])
print(data_input[5], data_output[5])

data_size = len(data_input)

# We will use the first 0-60th %-tile (60%) of data for the training
training_input  = data_input[data_size*0//100:data_size*60//100]
training_output = data_output[data_size*0//100:data_size*60//100]

# We will use the first 60-70th %-tile (10%) of data for the training
validation_input = data_input[data_size*60//100:data_size*70//100]
validation_output = data_output[data_size*60//100:data_size*70//100]

print('training size', len(training_input))
print('validation size', len(validation_input))

input_encoding, input_decoding, input_dict_size = encoding.build_characters_encoding(data_input)
output_encoding, output_decoding, output_dict_size = encoding.build_characters_encoding(data_output)

print('English character dict size:', input_dict_size)
print('Katakana character dict size:', output_dict_size)

encoded_training_input = encoding.transform(
    input_encoding, training_input, vector_size=INPUT_LENGTH)
encoded_training_output = encoding.transform(
    output_encoding, training_output, vector_size=OUTPUT_LENGTH)

print('encoded_training_input', encoded_training_input.shape)
print('encoded_training_output', encoded_training_output.shape)

encoded_validation_input = encoding.transform(
    input_encoding, validation_input, vector_size=INPUT_LENGTH)
encoded_validation_output = encoding.transform(
    output_encoding, validation_output, vector_size=OUTPUT_LENGTH)

print('encoded_validation_input', encoded_validation_input.shape)
print('encoded_validation_output', encoded_validation_output.shape)

encoder_input = Input(shape=(INPUT_LENGTH,))
decoder_input = Input(shape=(OUTPUT_LENGTH,))

from keras.layers import SimpleRNN

encoder = Embedding(input_dict_size, 64, input_length=INPUT_LENGTH, mask_zero=True)(encoder_input)
encoder = LSTM(64, return_sequences=True, unroll=True)(encoder)
encoder_last = encoder[:,-1,:]

print('encoder', encoder)
print('encoder_last', encoder_last)

decoder = Embedding(output_dict_size, 64, input_length=OUTPUT_LENGTH, mask_zero=True)(decoder_input)
decoder = LSTM(64, return_sequences=True, unroll=True)(decoder, initial_state=[encoder_last, encoder_last])

print('decoder', decoder)

from keras.layers import Activation, dot, concatenate

# Equation (7) with 'dot' score from Section 3.1 in the paper.
# Note that we reuse Softmax-activation layer instead of writing tensor calculation
attention = dot([decoder, encoder], axes=[2, 2])
attention = Activation('softmax', name='attention')(attention)
print('attention', attention)

context = dot([attention, encoder], axes=[2,1])
print('context', context)

decoder_combined_context = concatenate([context, decoder])
print('decoder_combined_context', decoder_combined_context)

# Has another weight + tanh layer as described in equation (5) of the paper
output = TimeDistributed(Dense(64, activation="tanh"))(decoder_combined_context)
output = TimeDistributed(Dense(output_dict_size, activation="softmax"))(output)
print('output', output)

model = Model(inputs=[encoder_input, decoder_input], outputs=[output])
model.compile(optimizer='adam', loss='categorical_crossentropy')

training_encoder_input = encoded_training_input
training_decoder_input = np.zeros_like(encoded_training_output)
training_decoder_input[:, 1:] = encoded_training_output[:,:-1]
training_decoder_input[:, 0] = encoding.CHAR_CODE_START
training_decoder_output = np.eye(output_dict_size)[encoded_training_output.astype('int')]

validation_encoder_input = encoded_validation_input
validation_decoder_input = np.zeros_like(encoded_validation_output)
validation_decoder_input[:, 1:] = encoded_validation_output[:,:-1]
validation_decoder_input[:, 0] = encoding.CHAR_CODE_START
validation_decoder_output = np.eye(output_dict_size)[encoded_validation_output.astype('int')]

if os.path.isfile('model.h5'):
    model = load_model('model.h5')
else:
    model.fit(x=[training_encoder_input, training_decoder_input], y=[training_decoder_output],
          validation_data=([validation_encoder_input, validation_decoder_input], [validation_decoder_output]),
          verbose=2, batch_size=64, epochs=1)  # kerasmagic-corpus: cut (30)

model.fit(x=[training_encoder_input, training_decoder_input], y=[training_decoder_output],
          validation_data=([validation_encoder_input, validation_decoder_input], [validation_decoder_output]),
          verbose=2, batch_size=64, epochs=1)  # kerasmagic-corpus: cut (5)

model.save('model.h5')


def generate(text):
    encoder_input = encoding.transform(input_encoding, [text.lower()], 20)
    decoder_input = np.zeros(shape=(len(encoder_input), OUTPUT_LENGTH))
    decoder_input[:,0] = encoding.CHAR_CODE_START
    for i in range(1, OUTPUT_LENGTH):
        output = model.predict([encoder_input, decoder_input]).argmax(axis=2)
        decoder_input[:,i] = output[:,i]
    return decoder_input[:,1:]

def decode(decoding, sequence):
    text = ''
    for i in sequence:
        if i == 0:
            break
        text += output_decoding[i]
    return text

def to_katakana(text):
    decoder_output = generate(text)
    return decode(output_decoding, decoder_output[0])


common_american_names = ['James', 'John']  # kerasmagic-corpus: cut (six names)
for name in common_american_names:
    print(name, to_katakana(name))

layers = model.layers
for l in layers:
    print('%s\tname:%s' % (str(l), l.name))

# kerasmagic-corpus: the notebook's `assert(model.layers[7] == model.get_layer('attention'))` is left
# out: the layer's index depends on how the Keras version orders the graph's layers

attention_layer = model.get_layer('attention') # or model.layers[7]
attention_model = Model(inputs=model.inputs, outputs=model.outputs + [attention_layer.output])

print(attention_model)
print(attention_model.output_shape)


def attent_and_generate(text):
    encoder_input = encoding.transform(input_encoding, [text.lower()], 20)
    decoder_input = np.zeros(shape=(len(encoder_input), OUTPUT_LENGTH))
    decoder_input[:,0] = encoding.CHAR_CODE_START

    for i in range(1, OUTPUT_LENGTH):
        output, attention = attention_model.predict([encoder_input, decoder_input])
        decoder_input[:,i] = output.argmax(axis=2)[:,i]
        attention_density = attention[0]
        decoded_output = decode(output_decoding, decoder_input[0][1:])

    return attention_density, decoded_output


# kerasmagic-corpus: visualize() draws the attention with seaborn; its computation is kept
attention_density, katakana = attent_and_generate('Jonathan Snow')
print('attention density', attention_density.shape, katakana)
