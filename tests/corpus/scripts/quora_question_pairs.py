# source: https://github.com/bradleypallen/keras-quora-question-pairs/blob/baeccb14fb169ac0e65fdb4acc7079e33fb56437/keras-quora-question-pairs.py
# license: MIT
# kerasmagic-corpus: rebuilt around the author's Keras calls (kept as written); the rest is written here
from __future__ import print_function
import numpy as np
import csv, datetime, time, json
from zipfile import ZipFile
from os.path import expanduser, exists
from keras.preprocessing.text import Tokenizer
from keras.preprocessing.sequence import pad_sequences
from keras.models import Model
from keras.layers import Input, TimeDistributed, Dense, Lambda, concatenate, Dropout, BatchNormalization
from keras.layers import Embedding  # kerasmagic-corpus: Keras 2.15 path (the original: keras.layers.embeddings)
from keras.regularizers import l2
from keras.callbacks import Callback, ModelCheckpoint
from keras.utils import get_file  # kerasmagic-corpus: Keras 2.15 path (the original: keras.utils.data_utils)
from keras import backend as K

# Initialize global variables
KERAS_DATASETS_DIR = expanduser('~/.keras/datasets/')
QUESTION_PAIRS_FILE_URL = 'http://qim.ec.quoracdn.net/quora_duplicate_questions.tsv'
QUESTION_PAIRS_FILE = 'quora_duplicate_questions.tsv'
GLOVE_ZIP_FILE_URL = 'http://nlp.stanford.edu/data/glove.840B.300d.zip'
GLOVE_ZIP_FILE = 'glove.840B.300d.zip'
GLOVE_FILE = 'glove.840B.300d.txt'
Q1_TRAINING_DATA_FILE = 'q1_train.npy'
Q2_TRAINING_DATA_FILE = 'q2_train.npy'
LABEL_TRAINING_DATA_FILE = 'label_train.npy'
WORD_EMBEDDING_MATRIX_FILE = 'word_embedding_matrix.npy'
NB_WORDS_DATA_FILE = 'nb_words.json'
MAX_NB_WORDS = 200000
MAX_SEQUENCE_LENGTH = 25
EMBEDDING_DIM = 50  # kerasmagic-corpus: cut (300, GloVe 840B's width)
MODEL_WEIGHTS_FILE = 'question_pairs_weights.h5'
VALIDATION_SPLIT = 0.1
TEST_SPLIT = 0.1
RNG_SEED = 13371447
NB_EPOCHS = 2  # kerasmagic-corpus: cut (25)
DROPOUT = 0.1
BATCH_SIZE = 32
OPTIMIZER = 'adam'

# kerasmagic-corpus: synthetic data: the script downloads quora_duplicate_questions.tsv and GloVe
# (get_file(...)) and caches its arrays in .npy files; here 320 invented question pairs, half of them
# paraphrases, and random word vectors stand in, and nothing is cached
rng = np.random.default_rng(RNG_SEED)
vocab = ['how', 'what', 'why', 'is', 'the', 'a', 'do', 'i', 'learn', 'best', 'way', 'to', 'python',
         'keras', 'money', 'make', 'good', 'book', 'read', 'india', 'time', 'travel', 'can', 'you']
question1 = []
question2 = []
is_duplicate = []
for n in range(320):
    words = list(rng.choice(vocab, rng.integers(4, 12)))
    question1.append(' '.join(words) + '?')
    if n % 2:
        rng.shuffle(words)
        question2.append(' '.join(words) + '?')
        is_duplicate.append('1')
    else:
        question2.append(' '.join(rng.choice(vocab, rng.integers(4, 12))) + '?')
        is_duplicate.append('0')

print('Question pairs: %d' % len(question1))

# Build tokenized word index
questions = question1 + question2
tokenizer = Tokenizer(num_words=MAX_NB_WORDS)
tokenizer.fit_on_texts(questions)
question1_word_sequences = tokenizer.texts_to_sequences(question1)
question2_word_sequences = tokenizer.texts_to_sequences(question2)
word_index = tokenizer.word_index

print("Words in index: %d" % len(word_index))

embeddings_index = {w: rng.normal(0, 1, EMBEDDING_DIM).astype('float32') for w in vocab[:-4]}  # kerasmagic-corpus: synthetic data (GloVe)

print('Word embeddings: %d' % len(embeddings_index))

# Prepare word embedding matrix
nb_words = min(MAX_NB_WORDS, len(word_index))
word_embedding_matrix = np.zeros((nb_words + 1, EMBEDDING_DIM))
for word, i in word_index.items():
    if i > MAX_NB_WORDS:
        continue
    embedding_vector = embeddings_index.get(word)
    if embedding_vector is not None:
        word_embedding_matrix[i] = embedding_vector

print('Null word embeddings: %d' % np.sum(np.sum(word_embedding_matrix, axis=1) == 0))

# Prepare training data tensors
q1_data = pad_sequences(question1_word_sequences, maxlen=MAX_SEQUENCE_LENGTH)
q2_data = pad_sequences(question2_word_sequences, maxlen=MAX_SEQUENCE_LENGTH)
labels = np.array(is_duplicate, dtype=int)
print('Shape of question1 data tensor:', q1_data.shape)
print('Shape of question2 data tensor:', q2_data.shape)
print('Shape of label tensor:', labels.shape)

# Partition the dataset into train and test sets
X = np.stack((q1_data, q2_data), axis=1)
y = labels
# kerasmagic-corpus: sklearn's train_test_split(X, y, test_size=TEST_SPLIT, random_state=RNG_SEED), in numpy
order = np.random.RandomState(RNG_SEED % (2 ** 32)).permutation(len(X))
n_test = int(np.ceil(TEST_SPLIT * len(X)))
X_train, X_test, y_train, y_test = X[order[n_test:]], X[order[:n_test]], y[order[n_test:]], y[order[:n_test]]
Q1_train = X_train[:,0]
Q2_train = X_train[:,1]
Q1_test = X_test[:,0]
Q2_test = X_test[:,1]

# Define the model
question1 = Input(shape=(MAX_SEQUENCE_LENGTH,))
question2 = Input(shape=(MAX_SEQUENCE_LENGTH,))

q1 = Embedding(nb_words + 1,
                 EMBEDDING_DIM,
                 weights=[word_embedding_matrix],
                 input_length=MAX_SEQUENCE_LENGTH,
                 trainable=False)(question1)
q1 = TimeDistributed(Dense(EMBEDDING_DIM, activation='relu'))(q1)
q1 = Lambda(lambda x: K.max(x, axis=1), output_shape=(EMBEDDING_DIM, ))(q1)

q2 = Embedding(nb_words + 1,
                 EMBEDDING_DIM,
                 weights=[word_embedding_matrix],
                 input_length=MAX_SEQUENCE_LENGTH,
                 trainable=False)(question2)
q2 = TimeDistributed(Dense(EMBEDDING_DIM, activation='relu'))(q2)
q2 = Lambda(lambda x: K.max(x, axis=1), output_shape=(EMBEDDING_DIM, ))(q2)

merged = concatenate([q1,q2])
merged = Dense(200, activation='relu')(merged)
merged = Dropout(DROPOUT)(merged)
merged = BatchNormalization()(merged)
merged = Dense(200, activation='relu')(merged)
merged = Dropout(DROPOUT)(merged)
merged = BatchNormalization()(merged)
merged = Dense(200, activation='relu')(merged)
merged = Dropout(DROPOUT)(merged)
merged = BatchNormalization()(merged)
merged = Dense(200, activation='relu')(merged)
merged = Dropout(DROPOUT)(merged)
merged = BatchNormalization()(merged)

is_duplicate = Dense(1, activation='sigmoid')(merged)

model = Model(inputs=[question1,question2], outputs=is_duplicate)
model.compile(loss='binary_crossentropy', optimizer=OPTIMIZER, metrics=['accuracy'])

# Train the model, checkpointing weights with best validation accuracy
print("Starting training at", datetime.datetime.now())
t0 = time.time()
# kerasmagic-corpus: monitor='val_accuracy' where the author (Keras 2.0) wrote 'val_acc': since Keras
# 2.3 metrics=['accuracy'] logs 'val_accuracy', and with 'val_acc' Keras 2.15 never saves the file
# that load_weights below reads
callbacks = [ModelCheckpoint(MODEL_WEIGHTS_FILE, monitor='val_accuracy', save_best_only=True)]
history = model.fit([Q1_train, Q2_train],
                    y_train,
                    epochs=NB_EPOCHS,
                    validation_split=VALIDATION_SPLIT,
                    verbose=2,
                    batch_size=BATCH_SIZE,
                    callbacks=callbacks)
t1 = time.time()
print("Training ended at", datetime.datetime.now())
print("Minutes elapsed: %f" % ((t1 - t0) / 60.))

# Print best validation accuracy and epoch
# kerasmagic-corpus: history key 'val_accuracy' where the author wrote 'val_acc' (see above)
max_val_acc, idx = max((val, idx) for (idx, val) in enumerate(history.history['val_accuracy']))
print('Maximum validation accuracy = {0:.4f} (epoch {1:d})'.format(max_val_acc, idx+1))

# Evaluate the model with best validation accuracy on the test partition
model.load_weights(MODEL_WEIGHTS_FILE)
loss, accuracy = model.evaluate([Q1_test, Q2_test], y_test, verbose=0)
print('Test loss = {0:.4f}, test accuracy = {1:.4f}'.format(loss, accuracy))
